/* The compiled fast path of ``services.variants.records.RecordConverter`` (see services/variants/fastpath.py).
 *
 * Contract:
 * 1. ``Converter(config).convert_block(data, first_line_no, rows, alleles, contigs, fallback)`` converts the
 *    lines of ``data`` (bytes, lines split on '\n') in order and appends their binary COPY rows to ``rows``
 *    and ``alleles`` (bytearrays), exactly as ``RecordConverter.convert`` would, byte for byte.
 * 2. Only the common record shape is converted here: ASCII, upper-case A/C/G/T/N ALTs (one or several: split
 *    per ALT with Number=A/R/G values, consequences and AD taken per ALT), no duplicate INFO or FORMAT keys,
 *    values in the plain forms the checks below accept, genotypes with a GT. Any other line (including every
 *    malformed one) is handed, unchanged and in order, to ``fallback(line, line_no)`` — the Python converter,
 *    which writes its own rows, counts it and raises the proper error. This code never raises for bad input.
 *    Suspicious lines go there too, for the Python converter to refuse or count as warnings: a contig the
 *    ``contig`` callback does not know (it returns None), a POS past the contig's length or MAX_POSITION, an
 *    INFO END that is not a plain integer at or after POS, a GT allele that is not '.' or 0..n_alts.
 * 3. Returns (records, rows, no_carrier_skips (one per ALT), fallback_lines) for the lines converted here;
 *    lines given to ``fallback`` are counted by the Python converter itself.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------------- byte buffer */
typedef struct {
    char *p;
    Py_ssize_t n, cap;
    int failed;
} Buf;

static int reserve(Buf *b, Py_ssize_t extra) {
    if (b->n + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + extra) cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (!p) { b->failed = 1; return -1; }
    b->p = p;
    b->cap = cap;
    return 0;
}
static inline void put(Buf *b, const void *s, Py_ssize_t n) {
    if (reserve(b, n)) return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
}
static inline void putc1(Buf *b, char c) { put(b, &c, 1); }
static inline void be16(Buf *b, int16_t v) { unsigned char s[2] = {(unsigned char)(v >> 8), (unsigned char)v}; put(b, s, 2); }
static inline void be32(Buf *b, int32_t v) {
    uint32_t u = (uint32_t)v;
    unsigned char s[4] = {u >> 24, u >> 16, u >> 8, u};
    put(b, s, 4);
}
static inline void be64(Buf *b, int64_t v) {
    uint64_t u = (uint64_t)v;
    unsigned char s[8];
    for (int i = 7; i >= 0; i--) { s[i] = (unsigned char)u; u >>= 8; }
    put(b, s, 8);
}
static inline void f_null(Buf *b) { be32(b, -1); }
static inline void f_text(Buf *b, const char *s, Py_ssize_t n) { be32(b, (int32_t)n); put(b, s, n); }
static inline void f_text_or_null(Buf *b, const char *s, Py_ssize_t n) { if (s) f_text(b, s, n); else f_null(b); }
static inline void f_int8(Buf *b, int64_t v) { be32(b, 8); be64(b, v); }
static inline void f_float8(Buf *b, double d) { int64_t u; memcpy(&u, &d, 8); be32(b, 8); be64(b, u); }
static inline void f_bool(Buf *b, int v) { be32(b, 1); putc1(b, v ? 1 : 0); }
static inline int fits_int4(long long v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* ---------------------------------------------------------------- md5 (RFC 1321) */
typedef struct { uint32_t a, b, c, d; } Md5;
static const uint32_t MD5_K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const int MD5_R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(Md5 *h, const unsigned char *blk) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = blk[i * 4] | (blk[i * 4 + 1] << 8) | (blk[i * 4 + 2] << 16) | ((uint32_t)blk[i * 4 + 3] << 24);
    uint32_t a = h->a, b = h->b, c = h->c, d = h->d;
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        uint32_t t = d;
        d = c;
        c = b;
        uint32_t x = a + f + MD5_K[i] + w[g];
        b = b + ((x << MD5_R[i]) | (x >> (32 - MD5_R[i])));
        a = t;
    }
    h->a += a; h->b += b; h->c += c; h->d += d;
}

/* The first 64 bits of md5(msg), big-endian, as a signed integer (services.variants.alleles.allele_id). */
static int64_t md5_head64(const unsigned char *msg, Py_ssize_t n) {
    Md5 h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    Py_ssize_t i = 0;
    for (; i + 64 <= n; i += 64) md5_block(&h, msg + i);
    unsigned char tail[128];
    Py_ssize_t rest = n - i;
    memcpy(tail, msg + i, rest);
    tail[rest] = 0x80;
    Py_ssize_t total = rest + 1 + 8 <= 64 ? 64 : 128;
    memset(tail + rest + 1, 0, total - rest - 1);
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) tail[total - 8 + k] = (unsigned char)(bits >> (8 * k));
    md5_block(&h, tail);
    if (total == 128) md5_block(&h, tail + 64);
    unsigned char dig[8];
    uint32_t parts[2] = {h.a, h.b};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++) dig[k * 4 + j] = (unsigned char)(parts[k] >> (8 * j));
    uint64_t u = 0;
    for (int k = 0; k < 8; k++) u = (u << 8) | dig[k];
    return (int64_t)u;
}

/* ---------------------------------------------------------------- small text helpers */
typedef struct { const char *s; Py_ssize_t n; } Str;

static inline int str_eq(Str a, const char *lit) {
    Py_ssize_t n = (Py_ssize_t)strlen(lit);
    return a.n == n && memcmp(a.s, lit, n) == 0;
}
static inline const char *find(const char *s, Py_ssize_t n, char c) { return n > 0 ? memchr(s, c, n) : NULL; }

/* -?[0-9]{1,18}: the integers int() reads the same way (anything else goes to the Python converter). */
static int parse_int(Str v, long long *out) {
    Py_ssize_t i = 0;
    int neg = 0;
    if (v.n && v.s[0] == '-') { neg = 1; i = 1; }
    if (i == v.n || v.n - i > 18) return 0;
    long long x = 0;
    for (; i < v.n; i++) {
        char c = v.s[i];
        if (c < '0' || c > '9') return 0;
        x = x * 10 + (c - '0');
    }
    *out = neg ? -x : x;
    return 1;
}

static int float_chars(Str v) {
    for (Py_ssize_t i = 0; i < v.n; i++) {
        char c = v.s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return 0;
    }
    return v.n > 0;
}

/* float(v) for v made of float_chars: 1 and the value when it parses, 0 when float() would raise. */
static int parse_double(Str v, double *out) {
    char tmp[64];
    if (v.n >= (Py_ssize_t)sizeof(tmp)) return 0;
    memcpy(tmp, v.s, v.n);
    tmp[v.n] = 0;
    double d = PyOS_string_to_double(tmp, NULL, NULL);
    if (d == -1.0 && PyErr_Occurred()) { PyErr_Clear(); return 0; }
    *out = d;
    return 1;
}

/* orjson's text for a finite float: repr's shortest digits, exponent -5 written out, other negative
 * exponents without a leading zero. */
static int json_float(Buf *b, double d) {
    char *r = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (!r) { PyErr_Clear(); return 0; }
    char *e = strchr(r, 'e');
    if (e && e[1] == '-') {
        int exp = atoi(e + 2);
        if (exp == 5) {
            char *m = r;
            if (*m == '-') { putc1(b, '-'); m++; }
            put(b, "0.0000", 6);
            for (char *p = m; p < e; p++) if (*p != '.') putc1(b, *p);
        } else {
            put(b, r, e - r);
            char tail[16];
            int n = snprintf(tail, sizeof tail, "e-%d", exp);
            put(b, tail, n);
        }
    } else {
        put(b, r, (Py_ssize_t)strlen(r));
    }
    PyMem_Free(r);
    return 1;
}

static void json_str(Buf *b, Str v) {
    putc1(b, '"');
    if (!find(v.s, v.n, '"') && !find(v.s, v.n, '\\')) { /* the common case: nothing to escape (two memchr) */
        put(b, v.s, v.n);
        putc1(b, '"');
        return;
    }
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i < v.n; i++) {
        char c = v.s[i];
        if (c == '"' || c == '\\') {
            put(b, v.s + start, i - start);
            putc1(b, '\\');
            putc1(b, c);
            start = i + 1;
        }
    }
    put(b, v.s + start, v.n - start);
    putc1(b, '"');
}

static void json_int(Buf *b, long long v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v);
    put(b, tmp, n);
}

/* ---------------------------------------------------------------- configuration */
enum { K_INT = 0, K_FLOAT = 1, K_TEXT = 2 };
enum { T_AF_GNOMAD, T_AF_POPMAX, T_AF_1KG, T_CADD, T_CLNSIG, T_CLNREV, N_TARGETS };

typedef struct {
    char key[48];
    int len;
    int used;
    int kind, per_allele, always_single, number, target; /* number: 0 A, 1 R, 2 G, -1 other */
} KeySpec;

#define KEY_SLOTS 1024
typedef struct {
    char raw[48];
    int raw_len;
    char name[48];
    int name_len;
    long long length; /* 0: unknown */
} Contig;
#define MAX_POSITION (1LL << 40) /* services.variants.genomes.MAX_POSITION */
#define MAX_CONTIGS 512

typedef struct {
    int present;
    char kind[4];
    int width, allele, allele_num, pick_flag, mane, canonical, consequence, impact, gene, gene_id, transcript, hgvs_c,
        hgvs_p;
    int n_targets;
    int target[N_TARGETS], field[N_TARGETS];
} Fmt;

#define MAX_TERMS 64
typedef struct {
    char term[48];
    int len, rank, coding, lof;
} Term;

typedef struct {
    PyObject_HEAD
    char build[32];
    int build_len;
    unsigned char batch_field[20];
    int n_samples;
    int32_t *sample_ids;
    Fmt csq, ann;
    int has_eff;
    Term terms[MAX_TERMS];
    int n_terms, unranked;
    PyObject *key_spec; /* key (str) -> (kind, per_allele, always_single, number, target) */
    PyObject *contig;   /* raw name (str) -> (normalised name (str), length or 0), or None for an unknown contig */
    KeySpec keys[KEY_SLOTS];
    int n_keys;
    Contig contigs[MAX_CONTIGS];
    int n_contigs;
} Converter;

static int fmt_from(PyObject *t, Fmt *f) {
    /* (kind, width, allele, allele_num, pick, mane, canonical, consequence, impact, gene, gene_id, transcript, hgvs_c,
     *  hgvs_p, ((target, field), ...)) with -1 for absent fields, or None */
    memset(f, 0, sizeof *f);
    if (t == Py_None) return 0;
    const char *kind;
    PyObject *targets;
    if (!PyArg_ParseTuple(t, "siiiiiiiiiiiiiO", &kind, &f->width, &f->allele, &f->allele_num, &f->pick_flag, &f->mane,
                          &f->canonical, &f->consequence, &f->impact, &f->gene, &f->gene_id, &f->transcript,
                          &f->hgvs_c, &f->hgvs_p, &targets))
        return -1;
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    Py_ssize_t n = PySequence_Size(targets);
    if (n < 0 || n > N_TARGETS) { PyErr_SetString(PyExc_ValueError, "bad targets"); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PySequence_GetItem(targets, i);
        if (!pair) return -1;
        int ok = PyArg_ParseTuple(pair, "ii", &f->target[i], &f->field[i]);
        Py_DECREF(pair);
        if (!ok) return -1;
    }
    f->n_targets = (int)n;
    f->present = 1;
    return 0;
}

static int Converter_init(Converter *self, PyObject *args, PyObject *kw) {
    const char *build;
    Py_ssize_t build_len, batch_len;
    const char *batch;
    PyObject *sample_ids, *csq, *ann, *terms, *key_spec, *contig;
    if (!PyArg_ParseTuple(args, "s#y#OOOpOOO", &build, &build_len, &batch, &batch_len, &sample_ids, &csq, &ann,
                          &self->has_eff, &terms, &key_spec, &contig))
        return -1;
    if (build_len >= (Py_ssize_t)sizeof self->build || batch_len != 20) {
        PyErr_SetString(PyExc_ValueError, "bad build or batch field");
        return -1;
    }
    memcpy(self->build, build, build_len);
    self->build_len = (int)build_len;
    memcpy(self->batch_field, batch, 20);
    Py_ssize_t ns = PySequence_Size(sample_ids);
    if (ns < 0) return -1;
    self->sample_ids = PyMem_Calloc(ns + 1, sizeof(int32_t));
    for (Py_ssize_t i = 0; i < ns; i++) {
        PyObject *o = PySequence_GetItem(sample_ids, i);
        if (!o) return -1;
        self->sample_ids[i] = (int32_t)PyLong_AsLong(o);
        Py_DECREF(o);
    }
    self->n_samples = (int)ns;
    if (fmt_from(csq, &self->csq) || fmt_from(ann, &self->ann)) return -1;
    Py_ssize_t nt = PySequence_Size(terms);
    if (nt < 0 || nt > MAX_TERMS) { PyErr_SetString(PyExc_ValueError, "bad terms"); return -1; }
    for (Py_ssize_t i = 0; i < nt; i++) {
        PyObject *t = PySequence_GetItem(terms, i);
        const char *s;
        Py_ssize_t n;
        Term *x = &self->terms[i];
        int ok = t && PyArg_ParseTuple(t, "s#iii", &s, &n, &x->rank, &x->coding, &x->lof);
        Py_XDECREF(t);
        if (!ok) return -1;
        if (n >= (Py_ssize_t)sizeof x->term) { PyErr_SetString(PyExc_ValueError, "term too long"); return -1; }
        memcpy(x->term, s, n);
        x->len = (int)n;
    }
    self->n_terms = (int)nt;
    self->unranked = (int)nt;
    Py_INCREF(key_spec);
    self->key_spec = key_spec;
    Py_INCREF(contig);
    self->contig = contig;
    return 0;
}

static void Converter_dealloc(Converter *self) {
    PyMem_Free(self->sample_ids);
    Py_XDECREF(self->key_spec);
    Py_XDECREF(self->contig);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static uint32_t fnv(const char *s, Py_ssize_t n) {
    uint32_t h = 2166136261u;
    for (Py_ssize_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 16777619u; }
    return h;
}

/* The spec of INFO key ``k`` (asked of Python once per key), or NULL: then the line goes to Python. */
static KeySpec *key_spec(Converter *self, Str k) {
    if (k.n >= 48) return NULL;
    uint32_t h = fnv(k.s, k.n) & (KEY_SLOTS - 1);
    for (int probe = 0; probe < KEY_SLOTS; probe++) {
        KeySpec *e = &self->keys[(h + probe) & (KEY_SLOTS - 1)];
        if (e->used) {
            if (e->len == k.n && memcmp(e->key, k.s, k.n) == 0) return e;
            continue;
        }
        if (self->n_keys >= KEY_SLOTS / 2) return NULL;
        PyObject *r = PyObject_CallFunction(self->key_spec, "s#", k.s, k.n);
        if (!r) { PyErr_Clear(); return NULL; }
        int ok = PyArg_ParseTuple(r, "iiiii", &e->kind, &e->per_allele, &e->always_single, &e->number,
                                  &e->target);
        Py_DECREF(r);
        if (!ok) { PyErr_Clear(); return NULL; }
        memcpy(e->key, k.s, k.n);
        e->len = (int)k.n;
        e->used = 1;
        self->n_keys++;
        return e;
    }
    return NULL;
}

static Contig *contig_of(Converter *self, Str raw) {
    for (int i = self->n_contigs - 1; i >= 0; i--) {
        Contig *c = &self->contigs[i];
        if (c->raw_len == raw.n && memcmp(c->raw, raw.s, raw.n) == 0) return c;
    }
    if (raw.n >= 48 || self->n_contigs >= MAX_CONTIGS) return NULL;
    PyObject *r = PyObject_CallFunction(self->contig, "s#", raw.s, raw.n);
    if (!r) { PyErr_Clear(); return NULL; }
    if (r == Py_None) { Py_DECREF(r); return NULL; } /* unknown: Python refuses it or counts a warning */
    Py_ssize_t n;
    const char *s = NULL;
    long long length = 0;
    if (!PyArg_ParseTuple(r, "s#L", &s, &n, &length) || n >= 48) { Py_DECREF(r); PyErr_Clear(); return NULL; }
    Contig *c = &self->contigs[self->n_contigs++];
    memcpy(c->raw, raw.s, raw.n);
    c->raw_len = (int)raw.n;
    memcpy(c->name, s, n);
    c->name_len = (int)n;
    c->length = length;
    Py_DECREF(r);
    return c;
}

static const Term *term_of(Converter *self, const char *s, Py_ssize_t n) {
    for (int i = 0; i < self->n_terms; i++)
        if (self->terms[i].len == n && memcmp(self->terms[i].term, s, n) == 0) return &self->terms[i];
    return NULL;
}

/* ---------------------------------------------------------------- one record */
#define MAX_COLS 4096
#define MAX_ITEMS 256
#define MAX_ENTRIES 512
#define MAX_FIELDS 256

/* A mapped annotation value as ``mapped`` holds it in the Python converter. */
enum { V_UNSET = 0, V_NONE, V_INT, V_FLOAT, V_STR };
typedef struct {
    int type;
    long long i;
    double d;
    Str s;
} Val;

typedef struct {
    Str entries[MAX_ENTRIES];
    int n;
} Entries;

static int split_on(Str v, char sep, Str *out, int max) {
    int n = 0;
    const char *s = v.s, *end = v.s + v.n;
    while (1) {
        const char *p = memchr(s, sep, end - s);
        if (n >= max) return -1;
        if (!p) { out[n++] = (Str){s, end - s}; return n; }
        out[n++] = (Str){s, p - s};
        s = p + 1;
    }
}

/* Field ``i`` of a consequence entry (``""`` beyond the entry's last field, as the padding does). */
static Str field_at(Str entry, int i) {
    const char *s = entry.s, *end = entry.s + entry.n;
    for (int k = 0; k < i; k++) {
        const char *p = memchr(s, '|', end - s);
        if (!p) return (Str){"", 0};
        s = p + 1;
    }
    const char *p = memchr(s, '|', end - s);
    return (Str){s, (p ? p : end) - s};
}

static int severity(Converter *self, Str terms) {
    int best = self->unranked;
    const char *s = terms.s, *end = terms.s + terms.n;
    while (1) {
        const char *p = memchr(s, '&', end - s);
        const char *e = p ? p : end;
        const Term *t = term_of(self, s, e - s);
        int r = t ? t->rank : self->unranked;
        if (r < best) best = r;
        if (!p) break;
        s = p + 1;
    }
    return best;
}

static int pick(Converter *self, const Fmt *f, Entries *es) {
    if (f->pick_flag >= 0)
        for (int i = 0; i < es->n; i++) if (str_eq(field_at(es->entries[i], f->pick_flag), "1")) return i;
    if (f->mane >= 0)
        for (int i = 0; i < es->n; i++) if (field_at(es->entries[i], f->mane).n) return i;
    if (f->canonical >= 0)
        for (int i = 0; i < es->n; i++) if (str_eq(field_at(es->entries[i], f->canonical), "YES")) return i;
    if (f->consequence < 0) return 0;
    int best = 0, best_rank = severity(self, field_at(es->entries[0], f->consequence));
    for (int i = 1; i < es->n; i++) {
        int r = severity(self, field_at(es->entries[i], f->consequence));
        if (r < best_rank) { best = i; best_rank = r; }
    }
    return best;
}

/* _float(): a mapped text value as a finite float; returns -1 when Python would read it differently. */
static int text_number(Str v, double *out) {
    if (v.n == 0 || str_eq(v, ".")) return 0;
    const char *p = find(v.s, v.n, '&');
    if (p) v.n = p - v.s;
    p = find(v.s, v.n, ',');
    if (p) v.n = p - v.s;
    for (Py_ssize_t i = 0; i < v.n; i++)
        if (v.s[i] == ' ' || v.s[i] == '_') return -1;
    if (!float_chars(v)) return 0;
    double d;
    if (!parse_double(v, &d) || !isfinite(d)) return 0;
    *out = d;
    return 1;
}

/* _num(): 1 with the value, 0 for None, -1 for "ask Python". */
static int val_number(const Val *v, double *out) {
    switch (v->type) {
    case V_INT: *out = (double)v->i; return 1;
    case V_FLOAT: *out = v->d; return 1;
    case V_STR: return text_number(v->s, out);
    default: return 0;
    }
}

/* One typed INFO value (``_int_value``/``_float_value``/``_text_value``) as JSON, and as a Val. */
static int typed(Buf *json, Str v, int kind, Val *val) {
    if (str_eq(v, ".")) { put(json, "null", 4); val->type = V_NONE; return 1; }
    if (kind == K_INT) {
        long long x;
        if (!parse_int(v, &x)) return 0;
        json_int(json, x);
        val->type = V_INT;
        val->i = x;
        return 1;
    }
    if (kind == K_FLOAT) {
        double d;
        if (!float_chars(v) || !parse_double(v, &d) || !isfinite(d)) return 0;
        if (!json_float(json, d)) return 0;
        val->type = V_FLOAT;
        val->d = d;
        return 1;
    }
    json_str(json, v);
    val->type = V_STR;
    val->s = v;
    return 1;
}

/* A list of typed values "[a,b,…]"; val gets the first. */
static int typed_list(Buf *json, Str v, int kind, Val *first) {
    putc1(json, '[');
    const char *s = v.s, *end = v.s + v.n;
    int i = 0;
    while (1) {
        const char *p = memchr(s, ',', end - s);
        const char *e = p ? p : end;
        Val tmp;
        if (i) putc1(json, ',');
        if (!typed(json, (Str){s, e - s}, kind, i ? &tmp : first)) return 0;
        i++;
        if (!p) break;
        s = p + 1;
    }
    putc1(json, ']');
    return 1;
}

static void json_key(Buf *b, Str k) {
    json_str(b, k);
    putc1(b, ':');
}



static int is_acgtn(Str a) {
    for (Py_ssize_t i = 0; i < a.n; i++) {
        char c = a.s[i];
        if (c != 'A' && c != 'C' && c != 'G' && c != 'T' && c != 'N') return 0;
    }
    return a.n > 0;
}

static void f_jsonb(Buf *b, Buf *json) {
    be32(b, (int32_t)(json->n + 1));
    putc1(b, 1);
    put(b, json->p, json->n);
}

/* services.variants.packed_json.compress, set at import: INFO and consequences are stored compressed (bytea). */
static PyObject *g_compress = NULL;

/* A bytea field of the JSON text compressed by packed_json.compress (the same bytes the Python path writes).
   On a Python error the buffer is marked failed and the error stays set for convert_block to raise. */
static void f_packed(Buf *b, Buf *json) {
    PyObject *raw = PyBytes_FromStringAndSize(json->p, json->n);
    PyObject *z = raw ? PyObject_CallOneArg(g_compress, raw) : NULL;
    Py_XDECREF(raw);
    if (!z || !PyBytes_Check(z)) {
        if (z && !PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "packed_json.compress must return bytes");
        Py_XDECREF(z);
        b->failed = 1;
        return;
    }
    be32(b, (int32_t)PyBytes_GET_SIZE(z));
    put(b, PyBytes_AS_STRING(z), PyBytes_GET_SIZE(z));
    Py_DECREF(z);
}

#define MAX_ALTS 16
#define MAX_PER 32
#define MAX_ELEMS 64

/* A per-allele INFO item (Number A/R/G): its typed elements, split per ALT by ``split_values``. */
typedef struct {
    Str key;
    int number; /* 0 = A, 1 = R, 2 = G */
    int target;
    int n;
    Py_ssize_t at[MAX_ELEMS], len[MAX_ELEMS]; /* each element's JSON text in the scratch buffer */
    Val val[MAX_ELEMS];
} PerItem;

typedef struct {
    Buf row, allele, flags, plain, per, vep, extra, site, fmt_extra;
    Str cols[MAX_COLS];
    Str items[MAX_ITEMS];
    Str fields[MAX_FIELDS];
    Entries csq, ann, mine;
    int owner[2][MAX_ENTRIES];
    PerItem per_items[MAX_PER];
} Scratch;

/* split_values(number, values, k, n_alts): the element indexes of ALT ``k`` (1-based); returns how many and
 * whether the result is a list (else the one value). */
static int split_indexes(const PerItem *p, int k, int n_alts, int *idx, int *is_list) {
    int n = p->n;
    if (p->number == 0 && n == n_alts) { idx[0] = k - 1; *is_list = 0; return 1; }
    if (p->number == 1 && n == n_alts + 1) { idx[0] = 0; idx[1] = k; *is_list = 1; return 2; }
    if (p->number == 2) {
        int alleles = n_alts + 1;
        if (n == alleles * (alleles + 1) / 2) {
            idx[0] = 0; idx[1] = k * (k + 1) / 2; idx[2] = k * (k + 1) / 2 + k; *is_list = 1; return 3;
        }
        if (n == alleles) { idx[0] = 0; idx[1] = k; *is_list = 1; return 2; }
    }
    for (int i = 0; i < n; i++) idx[i] = i;
    *is_list = 1;
    return n;
}

/* VEP's allele string of each ALT (consequences.vep_alleles). */
static void vep_keys(Str ref, Str *alts, int n, Str *out) {
    int any_len = 0, all_first = ref.n > 0;
    for (int i = 0; i < n; i++) {
        if (alts[i].n != ref.n) any_len = 1;
        if (!(alts[i].n && ref.n && alts[i].s[0] == ref.s[0])) all_first = 0;
    }
    for (int i = 0; i < n; i++) {
        if (any_len && all_first) out[i] = alts[i].n > 1 ? (Str){alts[i].s + 1, alts[i].n - 1} : (Str){"-", 1};
        else out[i] = alts[i];
    }
}

/* Which ALT (0-based, -1 none) each consequence entry belongs to (ConsequenceFormat.assign). */
static void assign(const Fmt *f, Entries *es, Str ref, Str *alts, int n_alts, int *owner) {
    if (n_alts == 1) { for (int i = 0; i < es->n; i++) owner[i] = 0; return; }
    if (f->allele_num >= 0) {
        for (int i = 0; i < es->n; i++) {
            Str num = field_at(es->entries[i], f->allele_num);
            owner[i] = -1;
            if (!num.n || num.n > 9) continue;
            long v = 0;
            int digits = 1;
            for (Py_ssize_t j = 0; j < num.n; j++) {
                if (num.s[j] < '0' || num.s[j] > '9') { digits = 0; break; }
                v = v * 10 + (num.s[j] - '0');
            }
            if (digits && v >= 1 && v <= n_alts) owner[i] = (int)v - 1;
        }
        return;
    }
    if (f->allele < 0) { for (int i = 0; i < es->n; i++) owner[i] = -1; return; }
    Str keys[MAX_ALTS];
    if (f->kind[0] == 'C') vep_keys(ref, alts, n_alts, keys);
    else for (int i = 0; i < n_alts; i++) keys[i] = alts[i];
    for (int i = 0; i < es->n; i++) {
        Str a = field_at(es->entries[i], f->allele);
        owner[i] = -1;
        for (int k = 0; k < n_alts; k++)
            if (keys[k].n == a.n && memcmp(keys[k].s, a.s, a.n) == 0) { owner[i] = k; break; }
    }
}

/* A GT allele number as str(k) writes it, for 0 <= k <= n_alts. */
static int allele_index_ok(const char *p, Py_ssize_t n, int n_alts) {
    if (n < 1 || n > 9 || (n > 1 && p[0] == '0')) return 0;
    long long k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        k = k * 10 + (p[i] - '0');
    }
    return k <= n_alts;
}

/* Converts one line into x->row / x->allele: 1 (with *rows and *no_carrier, per ALT, and the contig) or 0 to
 * fall back. */
static int convert_line(Converter *self, Scratch *x, Str line, long long *out_rows, long long *out_no_carrier,
                        Contig **out_contig) {
    /* ASCII without control characters other than the column tabs */
    for (Py_ssize_t i = 0; i < line.n; i++) {
        unsigned char c = (unsigned char)line.s[i];
        if ((c < 0x20 && c != '\t') || c >= 0x80) return 0;
    }
    int ncols = split_on(line, '\t', x->cols, MAX_COLS);
    if (ncols < 8) return 0;
    Str *c = x->cols;
    Str chrom_raw = c[0], pos_s = c[1], id_s = c[2], ref = c[3], alt_s = c[4], qual_s = c[5], filter_s = c[6],
        info_s = c[7];
    long long pos0;
    if (!chrom_raw.n || !pos_s.n || pos_s.s[0] == '-' || !parse_int(pos_s, &pos0)) return 0;
    Str alts[MAX_ALTS];
    int n_alts = split_on(alt_s, ',', alts, MAX_ALTS);
    if (n_alts < 1 || !is_acgtn(ref)) return 0;
    for (int a = 0; a < n_alts; a++) /* no symbolic, '*', '.' or lower-case ALT, none equal to REF */
        if (!is_acgtn(alts[a]) || (alts[a].n == ref.n && memcmp(alts[a].s, ref.s, ref.n) == 0)) return 0;
    if (pos0 > MAX_POSITION) return 0;
    Contig *contig = contig_of(self, chrom_raw);
    if (!contig || (contig->length && pos0 > contig->length)) return 0;
    double qual = 0;
    int has_qual = !str_eq(qual_s, ".");
    if (has_qual && (!float_chars(qual_s) || !parse_double(qual_s, &qual))) return 0;

    /* INFO items; duplicates go to Python (their order rules are subtle) */
    int nitems = 0;
    if (info_s.n && !str_eq(info_s, ".")) {
        nitems = split_on(info_s, ';', x->items, MAX_ITEMS);
        if (nitems < 0) return 0;
    }
    x->flags.n = x->plain.n = x->per.n = 0;
    /* the INFO value of each mapped column: src -1 none, -2 info_mapped[t], k >= 0 per-allele item k */
    Val info_mapped[N_TARGETS];
    int info_src[N_TARGETS];
    for (int t = 0; t < N_TARGETS; t++) info_src[t] = -1;
    Str csq_value = {NULL, 0}, ann_value = {NULL, 0};
    int has_csq = 0, has_ann = 0;
    Str keys[MAX_ITEMS];
    int nkeys = 0;
    PerItem *per = x->per_items;
    int nper = 0;
    for (int i = 0; i < nitems; i++) {
        Str item = x->items[i];
        if (!item.n) continue;
        const char *eq = find(item.s, item.n, '=');
        Str key = {item.s, eq ? eq - item.s : item.n};
        if (!key.n) return 0;
        for (int k = 0; k < nkeys; k++)
            if (keys[k].n == key.n && memcmp(keys[k].s, key.s, key.n) == 0) return 0;
        keys[nkeys++] = key;
        if (!eq) {
            Buf *b = &x->flags;
            if (b->n) putc1(b, ',');
            json_key(b, key);
            put(b, "true", 4);
            continue;
        }
        Str value = {eq + 1, item.n - key.n - 1};
        if (str_eq(key, "END")) { /* an END before POS is refused by Python */
            long long end_value;
            if (!parse_int(value, &end_value) || end_value < pos0) return 0;
        }
        if (str_eq(key, "CSQ") || str_eq(key, "ANN") || str_eq(key, "EFF")) {
            if (str_eq(key, "EFF")) { if (self->has_eff) return 0; }
            else if (key.s[0] == 'C') { if (self->csq.present) { csq_value = value; has_csq = 1; } }
            else if (self->ann.present) { ann_value = value; has_ann = 1; }
            continue;
        }
        KeySpec *spec = key_spec(self, key);
        if (!spec) return 0;
        if (spec->per_allele) {
            if (nper >= MAX_PER) return 0;
            PerItem *p = &per[nper];
            p->key = key;
            p->number = spec->number;
            p->target = spec->target;
            p->n = 0;
            const char *s = value.s, *end = value.s + value.n;
            while (1) {
                const char *q = memchr(s, ',', end - s);
                const char *e = q ? q : end;
                if (p->n >= MAX_ELEMS) return 0;
                Py_ssize_t at = x->per.n;
                if (!typed(&x->per, (Str){s, e - s}, spec->kind, &p->val[p->n])) return 0;
                p->at[p->n] = at;
                p->len[p->n] = x->per.n - at;
                p->n++;
                if (!q) break;
                s = q + 1;
            }
            if (spec->target >= 0) info_src[spec->target] = nper;
            nper++;
            continue;
        }
        int comma = find(value.s, value.n, ',') != NULL;
        Buf *b = &x->plain;
        if (b->n) putc1(b, ',');
        json_key(b, key);
        Val v = {0};
        int is_list = !spec->always_single && comma;
        if (!(is_list ? typed_list(b, value, spec->kind, &v) : typed(b, value, spec->kind, &v))) return 0;
        if (spec->target >= 0) {
            /* a list's first value; a top-level None leaves the consequence's value in place */
            info_mapped[spec->target] = (v.type == V_NONE && !is_list) ? (Val){V_UNSET} : v;
            info_src[spec->target] = -2;
        }
    }

    /* consequences: every entry, and the ALT each belongs to */
    const Fmt *fmts[2] = {&self->csq, &self->ann};
    Entries *ents[2] = {&x->csq, &x->ann};
    int have[2] = {has_csq, has_ann};
    Str values[2] = {csq_value, ann_value};
    for (int g = 0; g < 2; g++) {
        if (!have[g]) continue;
        ents[g]->n = split_on(values[g], ',', ents[g]->entries, MAX_ENTRIES);
        if (ents[g]->n < 0) return 0;
        assign(fmts[g], ents[g], ref, alts, n_alts, x->owner[g]);
    }

    /* genotypes: is any GT called? */
    int nsamples = ncols > 9 ? ncols - 9 : 0;
    int gt_i = -1, gq_i = -1, dp_i = -1, ad_i = -1, nformat = 0;
    Str *fkeys = x->fields;
    if (nsamples) {
        if (nsamples != self->n_samples) return 0;
        nformat = split_on(c[8], ':', fkeys, MAX_FIELDS);
        if (nformat < 0) return 0;
        for (int i = 0; i < nformat; i++) {
            for (int j = 0; j < i; j++)
                if (fkeys[j].n == fkeys[i].n && memcmp(fkeys[j].s, fkeys[i].s, fkeys[i].n) == 0) return 0;
            if (str_eq(fkeys[i], "GT")) gt_i = i;
            else if (str_eq(fkeys[i], "GQ")) gq_i = i;
            else if (str_eq(fkeys[i], "DP")) dp_i = i;
            else if (str_eq(fkeys[i], "AD")) ad_i = i;
        }
        if (gt_i < 0) return 0; /* sites-style rows with per-sample FORMAT values: Python */
        int any_called = 0;
        for (int s = 0; s < nsamples; s++) { /* every GT allele is '.' or 0..n_alts, else Python refuses it */
            Str v[MAX_FIELDS];
            int n = split_on(c[9 + s], ':', v, MAX_FIELDS);
            if (n < 0) return 0;
            Str gt = gt_i < n ? v[gt_i] : (Str){".", 1};
            const char *p = gt.s, *end = gt.s + gt.n;
            while (1) {
                const char *q = p;
                while (q < end && *q != '/' && *q != '|') q++;
                if (!(q - p == 1 && *p == '.')) {
                    if (!allele_index_ok(p, q - p, n_alts)) return 0;
                    any_called = 1;
                }
                if (q == end) break;
                p = q + 1;
            }
        }
        if (!any_called) return 0;
    }

    long long rows_total = 0, no_carrier = 0;
    for (int ai = 0; ai < n_alts; ai++) {
        int alt_index = ai + 1;
        Str alt = alts[ai];
        /* the allele: trimmed, its type, its end */
        long long pos = pos0;
        Str nref = ref, nalt = alt;
        if (nref.n > 1 && nalt.n > 1) {
            while (nref.n > 1 && nalt.n > 1 && nref.s[nref.n - 1] == nalt.s[nalt.n - 1]) { nref.n--; nalt.n--; }
            while (nref.n > 1 && nalt.n > 1 && nref.s[0] == nalt.s[0]) { nref.s++; nref.n--; nalt.s++; nalt.n--; pos++; }
        }
        long long end = pos + nref.n - 1;
        const char *vtype;
        if (nref.n == nalt.n) vtype = nref.n == 1 ? "SNV" : "MNV";
        else if (nref.n == 1 && nalt.s[0] == nref.s[0]) vtype = "INS";
        else if (nalt.n == 1 && nref.s[0] == nalt.s[0]) vtype = "DEL";
        else vtype = "COMPLEX";
        Py_ssize_t vtype_n = (Py_ssize_t)strlen(vtype);
        int changed = n_alts > 1 || pos != pos0 || nref.n != ref.n || nalt.n != alt.n;

        /* info: flags, the other values in file order, this ALT's per-allele values, then _orig */
        Buf *info = &x->extra;
        info->n = 0;
        putc1(info, '{');
        int any = 0;
        Buf *parts[2] = {&x->flags, &x->plain};
        for (int i = 0; i < 2; i++) {
            if (!parts[i]->n) continue;
            if (any) putc1(info, ',');
            put(info, parts[i]->p, parts[i]->n);
            any = 1;
        }
        Val per_first[MAX_PER];
        int per_top_none[MAX_PER];
        for (int k = 0; k < nper; k++) {
            const PerItem *p = &per[k];
            int idx[MAX_ELEMS], is_list;
            int m = split_indexes(p, alt_index, n_alts, idx, &is_list);
            if (any) putc1(info, ',');
            any = 1;
            json_key(info, p->key);
            if (is_list) putc1(info, '[');
            for (int j = 0; j < m; j++) {
                if (j) putc1(info, ',');
                put(info, x->per.p + p->at[idx[j]], p->len[idx[j]]);
            }
            if (is_list) putc1(info, ']');
            per_first[k] = p->val[idx[0]];
            per_top_none[k] = !is_list && p->val[idx[0]].type == V_NONE;
        }
        if (changed) {
            if (any) putc1(info, ',');
            put(info, "\"_orig\":{\"pos\":", 15);
            json_int(info, pos0);
            put(info, ",\"ref\":", 7);
            json_str(info, ref);
            put(info, ",\"alt\":", 7);
            json_str(info, alt_s);
            putc1(info, '}');
        }
        putc1(info, '}');

        /* this ALT's consequences and the picked one */
        const Fmt *picked_fmt = NULL;
        Str picked = {NULL, 0};
        Buf *vep = &x->vep;
        vep->n = 0;
        for (int g = 0; g < 2; g++) {
            if (!have[g]) continue;
            Entries *mine = &x->mine;
            mine->n = 0;
            for (int i = 0; i < ents[g]->n; i++)
                if (x->owner[g][i] == ai) mine->entries[mine->n++] = ents[g]->entries[i];
            if (!mine->n) continue;
            putc1(vep, vep->n ? ',' : '{');
            json_key(vep, (Str){fmts[g]->kind, (Py_ssize_t)strlen(fmts[g]->kind)});
            putc1(vep, '[');
            for (int i = 0; i < mine->n; i++) {
                if (i) putc1(vep, ',');
                json_str(vep, mine->entries[i]);
            }
            putc1(vep, ']');
            if (!picked_fmt) {
                picked_fmt = fmts[g];
                picked = mine->entries[pick(self, fmts[g], mine)];
            }
        }
        if (vep->n) putc1(vep, '}');

        Str gene = {NULL, 0}, transcript = {NULL, 0}, hgvs_c = {NULL, 0}, hgvs_p = {NULL, 0},
            consequence = {NULL, 0}, impact = {NULL, 0};
        int is_coding = -1, is_lof = -1;
        Val mapped[N_TARGETS];
        memset(mapped, 0, sizeof mapped);
        if (picked_fmt) {
            const Fmt *f = picked_fmt;
            if (f->gene >= 0) gene = field_at(picked, f->gene);
            if (!gene.n && f->gene_id >= 0) gene = field_at(picked, f->gene_id);
            if (!gene.n) gene.s = NULL;
#define PICKED(dst, idx) if ((idx) >= 0) { dst = field_at(picked, idx); if (!dst.n) dst.s = NULL; }
            PICKED(transcript, f->transcript)
            PICKED(hgvs_c, f->hgvs_c)
            PICKED(hgvs_p, f->hgvs_p)
            PICKED(consequence, f->consequence)
            PICKED(impact, f->impact)
#undef PICKED
            if (consequence.s) {
                /* the terms of the lower-cased consequence (the coding and LoF terms are lower case) */
                is_coding = is_lof = 0;
                const char *s = consequence.s, *cend = consequence.s + consequence.n;
                while (1) {
                    const char *p = memchr(s, '&', cend - s);
                    const char *e = p ? p : cend;
                    char lower[48];
                    const Term *t = NULL;
                    if (e - s < (Py_ssize_t)sizeof lower) {
                        for (const char *q = s; q < e; q++) lower[q - s] = (*q >= 'A' && *q <= 'Z') ? *q + 32 : *q;
                        t = term_of(self, lower, e - s);
                    }
                    if (t) { is_coding |= t->coding; is_lof |= t->lof; }
                    if (!p) break;
                    s = p + 1;
                }
            }
            if (f == &self->csq)
                for (int i = 0; i < f->n_targets; i++) {
                    Str v = field_at(picked, f->field[i]);
                    if (v.n) mapped[f->target[i]] = (Val){V_STR, 0, 0, v};
                }
        }
        for (int t = 0; t < N_TARGETS; t++) {
            if (info_src[t] == -2 && info_mapped[t].type != V_UNSET) mapped[t] = info_mapped[t];
            else if (info_src[t] >= 0 && !per_top_none[info_src[t]]) mapped[t] = per_first[info_src[t]];
        }
        double numbers[4];
        int has_number[4];
        for (int t = 0; t < 4; t++) {
            has_number[t] = val_number(&mapped[t], &numbers[t]);
            if (has_number[t] < 0) return 0;
        }
        Str clin[2];
        char clin_buf[2][32];
        for (int t = 0; t < 2; t++) {
            Val *v = &mapped[T_CLNSIG + t];
            if (v->type == V_STR) clin[t] = v->s;
            else if (v->type == V_INT) {
                int n = snprintf(clin_buf[t], sizeof clin_buf[t], "%lld", v->i);
                clin[t] = (Str){clin_buf[t], n};
            } else if (v->type == V_FLOAT) return 0; /* str(float) is left to Python */
            else clin[t] = (Str){NULL, 0};
        }

        int64_t allele_id;
        {
            char key[512];
            int n = snprintf(key, sizeof key, "%.*s\t%.*s\t%lld\t", self->build_len, self->build,
                             contig->name_len, contig->name, pos);
            if (n < 0 || n + nref.n + nalt.n + 1 > (Py_ssize_t)sizeof key) return 0;
            memcpy(key + n, nref.s, nref.n);
            n += (int)nref.n;
            key[n++] = '\t';
            memcpy(key + n, nalt.s, nalt.n);
            n += (int)nalt.n;
            allele_id = md5_head64((const unsigned char *)key, n);
        }
        Buf *site = &x->site;
        site->n = 0;
        f_text(site, contig->name, contig->name_len);
        be32(site, 25); putc1(site, 2); be32(site, 8); be64(site, pos); be32(site, 8); be64(site, end + 1);
        f_int8(site, pos);
        f_int8(site, end);
        f_text(site, nref.s, nref.n);
        f_text(site, nalt.s, nalt.n);
        if (has_qual) f_float8(site, qual); else f_null(site);
        if (str_eq(filter_s, ".")) f_null(site);
        else {
            Str v[MAX_ITEMS];
            int n = split_on(filter_s, ';', v, MAX_ITEMS);
            if (n < 0) return 0;
            Py_ssize_t body = 0;
            for (int i = 0; i < n; i++) body += 4 + v[i].n;
            be32(site, (int32_t)(20 + body)); be32(site, 1); be32(site, 0); be32(site, 25); be32(site, n); be32(site, 1);
            for (int i = 0; i < n; i++) f_text(site, v[i].s, v[i].n);
        }
        f_text(site, vtype, vtype_n);
        if (str_eq(id_s, ".")) f_null(site);
        else {
            Str rs = id_s;
            if (find(id_s.s, id_s.n, ';')) {
                Str v[MAX_ITEMS];
                int n = split_on(id_s, ';', v, MAX_ITEMS);
                if (n < 0) return 0;
                rs = v[0];
                for (int i = 0; i < n; i++)
                    if (v[i].n >= 2 && v[i].s[0] == 'r' && v[i].s[1] == 's') { rs = v[i]; break; }
            }
            f_text(site, rs.s, rs.n);
        }
        f_text_or_null(site, gene.s, gene.n);
        f_text_or_null(site, transcript.s, transcript.n);
        f_text_or_null(site, hgvs_c.s, hgvs_c.n);
        f_text_or_null(site, hgvs_p.s, hgvs_p.n);
        f_text_or_null(site, consequence.s, consequence.n);
        f_text_or_null(site, impact.s, impact.n);
        if (is_coding < 0) f_null(site); else f_bool(site, is_coding);
        if (is_lof < 0) f_null(site); else f_bool(site, is_lof);
        for (int t = 0; t < 4; t++) { if (has_number[t]) f_float8(site, numbers[t]); else f_null(site); }
        for (int t = 0; t < 2; t++) f_text_or_null(site, clin[t].s, clin[t].n);
        f_packed(site, info);
        if (vep->n) f_packed(site, vep); else f_null(site);

        Buf *row = &x->row;
        int rows = 0;
        if (!nsamples) {
            be16(row, 34);
            put(row, site->p, site->n);
            for (int i = 0; i < 6; i++) f_null(row);
            f_int8(row, allele_id);
            put(row, self->batch_field, 20);
            rows = 1;
        }
        char want[4];
        int want_n = snprintf(want, sizeof want, "%d", alt_index);
        for (int s = 0; s < nsamples; s++) {
            Str v[MAX_FIELDS];
            int n = split_on(c[9 + s], ':', v, MAX_FIELDS);
            if (n < 0) return 0;
            Str gt = gt_i < n ? v[gt_i] : (Str){".", 1};
            int carries = 0;
            const char *p = gt.s, *e = gt.s + gt.n;
            while (1) {
                const char *q = p;
                while (q < e && *q != '/' && *q != '|') q++;
                if (q - p == want_n && memcmp(p, want, want_n) == 0) { carries = 1; break; }
                if (q == e) break;
                p = q + 1;
            }
            if (!carries) continue;
            long long gq = 0, dp = 0;
            int has_gq = 0, has_dp = 0;
            Str num[2] = {gq_i >= 0 && gq_i < n ? v[gq_i] : (Str){NULL, 0},
                          dp_i >= 0 && dp_i < n ? v[dp_i] : (Str){NULL, 0}};
            long long *dst[2] = {&gq, &dp};
            int *has[2] = {&has_gq, &has_dp};
            for (int k = 0; k < 2; k++) {
                if (!num[k].s || num[k].n == 0 || str_eq(num[k], ".")) continue;
                if (!parse_int(num[k], dst[k])) return 0;
                *has[k] = 1;
            }
            be16(row, 34);
            put(row, site->p, site->n);
            be32(row, 4); be32(row, self->sample_ids[s]);
            if (gt_i < n) f_text(row, gt.s, gt.n); else f_null(row);
            if (has_gq && fits_int4(gq)) { be32(row, 4); be32(row, (int32_t)gq); } else f_null(row);
            if (has_dp && fits_int4(dp)) { be32(row, 4); be32(row, (int32_t)dp); } else f_null(row);
            if (ad_i >= 0 && ad_i < n && !str_eq(v[ad_i], ".")) {
                Str ad[MAX_FIELDS];
                int na = split_on(v[ad_i], ',', ad, MAX_FIELDS);
                if (na < 0) return 0;
                if (n_alts > 1 && na == n_alts + 1) { ad[1] = ad[alt_index]; na = 2; } /* Number=R per ALT */
                long long vals[MAX_FIELDS];
                int isnull[MAX_FIELDS], hasnull = 0;
                for (int k = 0; k < na; k++) {
                    isnull[k] = 0;
                    if (ad[k].n == 0 || str_eq(ad[k], ".")) { isnull[k] = 1; hasnull = 1; continue; }
                    if (!parse_int(ad[k], &vals[k])) return 0;
                    if (!fits_int4(vals[k])) { isnull[k] = 1; hasnull = 1; }
                }
                Py_ssize_t body = 0;
                for (int k = 0; k < na; k++) body += isnull[k] ? 4 : 8;
                be32(row, (int32_t)(20 + body)); be32(row, 1); be32(row, hasnull); be32(row, 23); be32(row, na); be32(row, 1);
                for (int k = 0; k < na; k++) {
                    if (isnull[k]) f_null(row);
                    else { be32(row, 4); be32(row, (int32_t)vals[k]); }
                }
            } else f_null(row);
            /* the other FORMAT values of the sample, as text */
            Buf *extra = &x->fmt_extra;
            extra->n = 0;
            int nextra = 0;
            for (int k = 0; k < nformat; k++) {
                if (k == gt_i || k == gq_i || k == dp_i || k == ad_i || k >= n) continue;
                putc1(extra, nextra ? ',' : '{');
                json_key(extra, fkeys[k]);
                json_str(extra, v[k]);
                nextra++;
            }
            if (nextra) { putc1(extra, '}'); f_jsonb(row, extra); } else f_null(row);
            f_int8(row, allele_id);
            put(row, self->batch_field, 20);
            rows++;
        }
        if (!rows) { no_carrier++; continue; }
        rows_total += rows;
        Buf *al = &x->allele;
        be16(al, 8);
        f_int8(al, allele_id);
        f_text(al, self->build, self->build_len);
        f_text(al, contig->name, contig->name_len);
        f_int8(al, pos);
        f_text(al, nref.s, nref.n);
        f_text(al, nalt.s, nalt.n);
        f_int8(al, end);
        f_text(al, vtype, vtype_n);
    }
    *out_rows = rows_total;
    *out_no_carrier = no_carrier;
    *out_contig = contig;
    return 1;
}

static int flush(Buf *b, PyObject *target) {
    if (!b->n) return 0;
    Py_ssize_t old = PyByteArray_GET_SIZE(target);
    if (PyByteArray_Resize(target, old + b->n) < 0) return -1;
    memcpy(PyByteArray_AS_STRING(target) + old, b->p, b->n);
    b->n = 0;
    return 0;
}

static void scratch_free(Scratch *x) {
    Buf *bs[] = {&x->row, &x->allele, &x->flags, &x->plain, &x->per, &x->vep, &x->extra, &x->site, &x->fmt_extra};
    for (size_t i = 0; i < sizeof bs / sizeof *bs; i++) PyMem_Free(bs[i]->p);
    PyMem_Free(x);
}

static PyObject *convert_block(Converter *self, PyObject *args) {
    Py_buffer data;
    long long line_no;
    PyObject *rows_out, *alleles_out, *contigs, *fallback;
    if (!PyArg_ParseTuple(args, "y*LO!O!OO", &data, &line_no, &PyByteArray_Type, &rows_out, &PyByteArray_Type,
                          &alleles_out, &contigs, &fallback))
        return NULL;
    Scratch *x = PyMem_Calloc(1, sizeof *x);
    if (!x) { PyBuffer_Release(&data); return PyErr_NoMemory(); }
    long long records = 0, nrows = 0, no_carrier = 0, fallbacks = 0;
    const char *s = data.buf, *end = s + data.len;
    Contig *last_contig = NULL;
    PyObject *result = NULL;
    while (s < end) {
        const char *nl = memchr(s, '\n', end - s);
        const char *e = nl ? nl : end;
        Str line = {s, e - s};
        if (line.n) {
            Str body = line;
            while (body.n && (body.s[body.n - 1] == '\r')) body.n--;
            Py_ssize_t row_mark = x->row.n, allele_mark = x->allele.n;
            long long line_rows = 0, line_no_carrier = 0;
            Contig *cur = NULL;
            int r = body.n ? convert_line(self, x, body, &line_rows, &line_no_carrier, &cur) : 0;
            if (x->row.failed || x->allele.failed || x->flags.failed || x->plain.failed || x->per.failed ||
                x->vep.failed || x->extra.failed || x->site.failed || x->fmt_extra.failed) {
                if (!PyErr_Occurred()) PyErr_NoMemory();
                goto done;
            }
            if (r) {
                records++;
                no_carrier += line_no_carrier;
                nrows += line_rows;
                /* the contig set: added when the contig changes (set.add is idempotent) */
                if (cur != last_contig) {
                    PyObject *name = PyUnicode_FromStringAndSize(cur->name, cur->name_len);
                    if (!name || PySet_Add(contigs, name) < 0) { Py_XDECREF(name); goto done; }
                    Py_DECREF(name);
                    last_contig = cur;
                }
            } else {
                x->row.n = row_mark;
                x->allele.n = allele_mark;
                if (flush(&x->row, rows_out) || flush(&x->allele, alleles_out)) goto done;
                PyObject *text = PyUnicode_DecodeUTF8(line.s, line.n, "replace");
                if (!text) goto done;
                PyObject *res = PyObject_CallFunction(fallback, "NL", text, line_no);
                if (!res) goto done;
                Py_DECREF(res);
                fallbacks++;
                last_contig = NULL;
            }
        }
        line_no++;
        s = nl ? nl + 1 : end;
    }
    if (flush(&x->row, rows_out) || flush(&x->allele, alleles_out)) goto done;
    result = Py_BuildValue("LLLL", records, nrows, no_carrier, fallbacks);
done:
    scratch_free(x);
    PyBuffer_Release(&data);
    return result;
}

static PyObject *head64(PyObject *mod, PyObject *args) {
    Py_buffer b;
    if (!PyArg_ParseTuple(args, "y*", &b)) return NULL;
    int64_t v = md5_head64(b.buf, b.len);
    PyBuffer_Release(&b);
    return PyLong_FromLongLong(v);
}

static PyObject *float_json(PyObject *mod, PyObject *arg) {
    double d = PyFloat_AsDouble(arg);
    if (d == -1.0 && PyErr_Occurred()) return NULL;
    Buf b = {0};
    int ok = json_float(&b, d);
    PyObject *r = ok ? PyBytes_FromStringAndSize(b.p, b.n) : NULL;
    PyMem_Free(b.p);
    if (!ok && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "not formattable");
    return r;
}

static PyMethodDef Converter_methods[] = {
    {"convert_block", (PyCFunction)convert_block, METH_VARARGS,
     "convert_block(data, first_line_no, rows, alleles, contigs, fallback) -> (records, rows, no_carrier, fallbacks)"},
    {NULL}};

static PyTypeObject ConverterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "services.variants._fastconvert.Converter",
    .tp_basicsize = sizeof(Converter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Converter_init,
    .tp_dealloc = (destructor)Converter_dealloc,
    .tp_methods = Converter_methods,
    .tp_doc = "The compiled fast path of RecordConverter (module docstring of fastpath.py).",
};

static PyMethodDef module_methods[] = {
    {"md5_head64", head64, METH_VARARGS, "The first 64 bits of md5(data) as a signed big-endian integer."},
    {"float_json", float_json, METH_O, "orjson's text for a finite float."},
    {NULL}};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "_fastconvert", NULL, -1, module_methods};

PyMODINIT_FUNC PyInit__fastconvert(void) {
    if (PyType_Ready(&ConverterType) < 0) return NULL;
    PyObject *packed = PyImport_ImportModule("services.variants.packed_json");
    if (!packed) return NULL;
    g_compress = PyObject_GetAttrString(packed, "compress");
    Py_DECREF(packed);
    if (!g_compress) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    /* fastpath.ROW_FORMAT: the row layout this source writes (2: INFO and consequences packed, revision 0020) */
    if (PyModule_AddIntConstant(m, "ROW_FORMAT", 2) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&ConverterType);
    if (PyModule_AddObject(m, "Converter", (PyObject *)&ConverterType) < 0) {
        Py_DECREF(&ConverterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
