/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_request_headers: a preflight's Access-Control-Request-Headers
 * (cors_split_request_headers, and the header step of
 * cors_decide_preflight with CORSAllowHeaders *, with a list, and unset).
 * The input is the header's value, as httpd hands it over (several fields
 * joined with ", ").
 *
 * Properties:
 * - the names are exactly those of a second, independent split: elements
 *   between commas, spaces and tabs trimmed, empty ones skipped;
 * - every name is a valid token, in order, inside the value; never more
 *   than 64 names; a value over 4096 bytes, a 65th name or an element
 *   that is not a token refuses the whole value;
 * - the preflight is denied (reason headers) exactly then, without an
 *   answer or lists, or when a name is not allowed: then answered
 *   (answer_preflight) with the configured lists, naming the first name
 *   not allowed; with CORSAllowHeaders * the answer lists exactly the
 *   requested names joined with ", ", without one it lists none.
 */

#include "fuzz.h"
#include "../mod_cors.c"

#define MAX_NAMES 64
#define MAX_BYTES 4096

static int ref_is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z') || (c && memchr(extra, c, 15));
}

/* Returns the number of names, -1 when the value is refused. */
static int ref_split(const char *value, cors_span *names, int max)
{
    const char *p = value;
    int count = 0;

    if (strlen(value) > MAX_BYTES) {
        return -1;
    }
    for (;;) {
        const char *comma = strchr(p, ','), *end;
        const char *start = p, *c;

        end = comma ? comma : p + strlen(p);
        while (start < end && (*start == ' ' || *start == '\t')) {
            start++;
        }
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }
        if (end > start) {
            for (c = start; c < end; c++) {
                if (!ref_is_tchar(*c)) {
                    return -1;
                }
            }
            if (count == max) {
                return -1;
            }
            names[count].name = start;
            names[count].len = end - start;
            count++;
        }
        if (!comma) {
            return count;
        }
        p = comma + 1;
    }
}

static cors_result preflight(apr_pool_t *p, cors_dir_conf *conf,
                             const char *value, cors_decision *d)
{
    request_rec r;
    cors_request_fields fields;

    memset(&r, 0, sizeof(r));
    memset(d, 0, sizeof(*d));
    r.pool = p;
    r.headers_in = apr_table_make(p, 2);
    apr_table_setn(r.headers_in, "Access-Control-Request-Method", "GET");
    apr_table_setn(r.headers_in, "Access-Control-Request-Headers", value);
    cors_read_fields(&r, &fields);
    d->conf = conf;
    return cors_decide_preflight(&r, d, &fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin_input();
    char *value = apr_pstrmemdup(p, (const char *)data, size);
    cors_span names[CORS_MAX_REQUEST_HEADERS], ref[MAX_NAMES];
    static const char *const listed[] = {
        "Content-Type", "X-Requested-With", "Authorization", "x-custom", NULL
    };
    const char *const *l;
    cors_dir_conf *conf;
    cors_decision d;
    cors_result result;
    int count, ref_count, i, all_listed;
    char *joined, *w;

    count = cors_split_request_headers(value, names);
    ref_count = ref_split(value, ref, MAX_NAMES);
    FUZZ_CHECK(count == ref_count, "'%s': %d names, expected %d", value,
               count, ref_count);
    FUZZ_CHECK(count <= CORS_MAX_REQUEST_HEADERS, "%d names", count);
    FUZZ_CHECK(strlen(value) <= MAX_BYTES || count == -1, "%zu bytes "
               "accepted", strlen(value));
    for (i = 0; i < count; i++) {
        FUZZ_CHECK(names[i].name == ref[i].name && names[i].len == ref[i].len,
                   "'%s': name %d is '%.*s', expected '%.*s'", value, i,
                   (int)names[i].len, names[i].name, (int)ref[i].len,
                   ref[i].name);
        FUZZ_CHECK(names[i].len > 0 && cors_is_token(names[i].name,
                                                     names[i].len),
                   "'%s': name %d is not a token", value, i);
        FUZZ_CHECK(names[i].name >= value
                   && names[i].name + names[i].len <= value + strlen(value)
                   && (i == 0 || names[i].name > names[i - 1].name
                                                 + names[i - 1].len),
                   "'%s': name %d out of place", value, i);
    }

    /* CORSAllowHeaders *: the requested names, echoed. */
    conf = create_cors_dir_config(p, NULL);
    FUZZ_CHECK(!cors_token_list_add(p, &conf->headers, "*", 0), "'*'");
    result = preflight(p, conf, value, &d);
    if (count < 0) {
        /* Past Fetch's limits: no browser sends it, no CORS fields. */
        FUZZ_CHECK(result == CORS_DENIED_HEADERS && !d.answer_preflight
                   && !d.allow_methods && !d.allow_headers,
                   "'%s' with *: %d, answered %d", value, result,
                   d.answer_preflight);
    }
    else {
        FUZZ_CHECK(result == CORS_PREFLIGHT, "'%s' with *: %d", value, result);
        joined = w = apr_pcalloc(p, strlen(value) + 2 * MAX_NAMES + 1);
        for (i = 0; i < count; i++) {
            w += sprintf(w, "%s%.*s", i ? ", " : "", (int)ref[i].len,
                         ref[i].name);
        }
        FUZZ_CHECK(count ? (d.allow_headers
                            && !strcmp(d.allow_headers, joined))
                         : !d.allow_headers,
                   "'%s' with *: answered '%s', expected '%s'", value,
                   d.allow_headers ? d.allow_headers : "(none)", joined);
    }

    /* A list: every requested name must be in it, in any case. */
    conf = create_cors_dir_config(p, NULL);
    for (l = listed; *l; l++) {
        FUZZ_CHECK(!cors_token_list_add(p, &conf->headers, *l, 0), "%s", *l);
    }
    all_listed = count >= 0;
    for (i = 0; i < count; i++) {
        int found = 0;
        for (l = listed; *l; l++) {
            found |= fuzz_ascii_caseeq(ref[i].name, ref[i].len, *l,
                                       strlen(*l));
        }
        all_listed &= found;
    }
    result = preflight(p, conf, value, &d);
    FUZZ_CHECK(result == (all_listed ? CORS_PREFLIGHT : CORS_DENIED_HEADERS),
               "'%s' with a list: %d", value, result);
    /* Within the limits the answer carries the lists, denied or not, and
     * a denial names the first name not listed. */
    FUZZ_CHECK(count < 0
               ? !d.answer_preflight && !d.allow_headers && !d.allow_methods
               : d.answer_preflight && d.allow_headers
                 && !strcmp(d.allow_headers, conf->headers->value)
                 && d.allow_methods
                 && !strcmp(d.allow_methods, "GET, HEAD, POST"),
               "'%s' with a list: answered %d '%s'", value,
               d.answer_preflight,
               d.allow_headers ? d.allow_headers : "(none)");
    if (count >= 0 && !all_listed) {
        const char *first = NULL;
        for (i = 0; i < count && !first; i++) {
            int found = 0;
            for (l = listed; *l; l++) {
                found |= fuzz_ascii_caseeq(ref[i].name, ref[i].len, *l,
                                           strlen(*l));
            }
            if (!found) {
                first = apr_pstrmemdup(p, ref[i].name, ref[i].len);
            }
        }
        FUZZ_CHECK(d.denied_name && first && !strcmp(d.denied_name, first),
                   "'%s' with a list: denied_name '%s', expected '%s'",
                   value, d.denied_name ? d.denied_name : "(none)",
                   first ? first : "(none)");
    }

    /* No CORSAllowHeaders: only a request for no header passes; within
     * the limits it is answered, without Access-Control-Allow-Headers. */
    conf = create_cors_dir_config(p, NULL);
    result = preflight(p, conf, value, &d);
    FUZZ_CHECK(result == (count == 0 ? CORS_PREFLIGHT : CORS_DENIED_HEADERS)
               && !d.allow_headers && d.answer_preflight == (count >= 0),
               "'%s' without a list: %d, answered %d", value, result,
               d.answer_preflight);
    FUZZ_CHECK(count <= 0 || (d.denied_name
                              && strlen(d.denied_name) == ref[0].len
                              && !memcmp(d.denied_name, ref[0].name,
                                         ref[0].len)),
               "'%s' without a list: denied_name '%s'", value,
               d.denied_name ? d.denied_name : "(none)");

    fuzz_end_input(p);
    return 0;
}
