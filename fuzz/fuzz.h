/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * What the fuzz harnesses share.  Each harness includes this, then
 * "../mod_cors.c", whose functions are static.
 *
 * fuzz/sanitize/pool_shim.h makes mod_cors's apr_palloc a malloc of exactly the
 * size asked for, so that AddressSanitizer reports an overflow of a buffer
 * mod_cors sized itself, which an APR pool would hide.
 */

#ifndef MOD_CORS_FUZZ_H
#define MOD_CORS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize/pool_shim.h"
#include "apr_general.h"
#include "apr_strings.h"

/* A property the harness checks: when it does not hold, say which and
 * abort, so that libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                               \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "\n*** property violated at %s:%d: %s\n    ",   \
                    __FILE__, __LINE__, #cond);                             \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* A pool for one input, destroyed by fuzz_end_input. */
static apr_pool_t *fuzz_root_pool;

static inline apr_pool_t *fuzz_begin_input(void)
{
    apr_pool_t *p;

    if (!fuzz_root_pool) {
        apr_initialize();
        apr_pool_create(&fuzz_root_pool, NULL);
    }
    apr_pool_create(&p, fuzz_root_pool);
    return p;
}

static inline void fuzz_end_input(apr_pool_t *p)
{
    apr_pool_destroy(p);
}

/* The input as C strings, split at '\n'.  A line holding a NUL ends there,
 * as a C string: mod_cors only ever sees NUL-terminated values.  Returns
 * the number of lines; an input without '\n' is one line. */
static inline int fuzz_lines(apr_pool_t *p, const uint8_t *data, size_t size,
                             char ***lines)
{
    int n = 1, i = 0;
    size_t k, start = 0;

    for (k = 0; k < size; k++) {
        n += data[k] == '\n';
    }
    *lines = apr_palloc(p, n * sizeof(char *));
    for (k = 0; k <= size; k++) {
        if (k == size || data[k] == '\n') {
            (*lines)[i++] = apr_pstrmemdup(p, (const char *)data + start,
                                           k - start);
            start = k + 1;
        }
    }
    return n;
}

/* A token of RFC 9110 (tchar), written independently of mod_cors's table. */
static inline int ref_is_token(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        unsigned char c = *s;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z') || (c && memchr(extra, c, 15)))) {
            return 0;
        }
    }
    return 1;
}

/* ASCII case-insensitive equality, written independently of httpd's. */
static inline int fuzz_ascii_caseeq(const char *a, apr_size_t alen,
                                    const char *b, apr_size_t blen)
{
    apr_size_t i;

    if (alen != blen) {
        return 0;
    }
    for (i = 0; i < alen; i++) {
        unsigned char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') {
            x += 'a' - 'A';
        }
        if (y >= 'A' && y <= 'Z') {
            y += 'a' - 'A';
        }
        if (x != y) {
            return 0;
        }
    }
    return 1;
}

/* httpd_stubs.c: the text ap_pcfg_openfile opens under that name. */
void fuzz_set_config_file(const char *name, const char *text, apr_size_t len);

#endif /* MOD_CORS_FUZZ_H */
