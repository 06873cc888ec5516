"""Re-rankers and datasets (issue 13).

LightGBM's OpenMP threads wait for each other *passively* (``OMP_WAIT_POLICY=PASSIVE``, set here before any
module of the package loads LightGBM, unless the environment already chose a policy). With the default (active:
spinning) policy a thread whose partner was descheduled burns its core while waiting: on a 2-core machine shared
with other work, training 10⁶ rows with 2 threads took 90 s wall / 100 s CPU instead of 37 s / 38 s (same
booster: the policy does not change results). OpenMP reads the variable once, when its runtime loads, so a
process that loaded it earlier keeps its policy.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
