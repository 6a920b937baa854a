/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_fields: the field names mod_cors reads and removes, compared eight
 * or four bytes at a time (cors_words_equal).  The input is a list of
 * request field names, one a line; lines that are not tokens are left out,
 * as httpd refuses such a field.
 *
 * Properties:
 * - cors_read_fields finds for Origin, Host, Sec-Fetch-Site, Upgrade and
 *   the three Access-Control-Request-* fields exactly the value that
 *   apr_table_get() finds: the first field of that name, in any case;
 * - cors_is_access_control_header holds exactly for names that start with
 *   "access-control-" in any case;
 * - cors_remove_access_control_headers leaves every other field, in order,
 *   and says whether one of them is Vary, in any case.
 */

#include "fuzz.h"
#include "../mod_cors.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const read[] = {
        "Origin", "Host", "Sec-Fetch-Site", "Upgrade",
        "Access-Control-Request-Method", "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network"
    };
    apr_pool_t *p = fuzz_begin_input();
    apr_table_t *in = apr_table_make(p, 8), *kept = apr_table_make(p, 8);
    const apr_array_header_t *left;
    cors_request_fields fields;
    const char *found[7];
    request_rec r;
    char **lines;
    int n = fuzz_lines(p, data, size, &lines), i, vary = 0, k = 0;

    for (i = 0; i < n; i++) {
        if (!ref_is_token(lines[i])) {
            continue;
        }
        apr_table_addn(in, lines[i], apr_itoa(p, i));
        FUZZ_CHECK(cors_is_access_control_header(lines[i])
                   == !strncasecmp(lines[i], "access-control-", 15),
                   "'%s': cors_is_access_control_header says %d", lines[i],
                   cors_is_access_control_header(lines[i]));
        if (strncasecmp(lines[i], "access-control-", 15)) {
            apr_table_addn(kept, lines[i], apr_itoa(p, i));
            vary |= !strcasecmp(lines[i], "Vary");
        }
    }

    memset(&r, 0, sizeof(r));
    r.pool = p;
    r.headers_in = in;
    cors_read_fields(&r, &fields);
    found[0] = fields.origin;
    found[1] = fields.host;
    found[2] = fields.sec_fetch_site;
    found[3] = fields.upgrade;
    found[4] = fields.request_method;
    found[5] = fields.request_headers;
    found[6] = fields.request_private_network;
    for (i = 0; i < 7; i++) {
        const char *expected = apr_table_get(in, read[i]);
        FUZZ_CHECK(found[i] == expected, "%s: read '%s', apr_table_get "
                   "'%s'", read[i], found[i] ? found[i] : "(none)",
                   expected ? expected : "(none)");
    }

    FUZZ_CHECK(cors_remove_access_control_headers(in) == vary,
               "Vary %s, the removal says otherwise",
               vary ? "present" : "absent");
    left = apr_table_elts(in);
    FUZZ_CHECK(left->nelts == apr_table_elts(kept)->nelts,
               "%d fields left, %d expected", left->nelts,
               apr_table_elts(kept)->nelts);
    for (k = 0; k < left->nelts; k++) {
        const apr_table_entry_t *a = &APR_ARRAY_IDX(left, k,
                                                    apr_table_entry_t);
        const apr_table_entry_t *b = &APR_ARRAY_IDX(apr_table_elts(kept), k,
                                                    apr_table_entry_t);
        FUZZ_CHECK(!strcmp(a->key, b->key) && !strcmp(a->val, b->val),
                   "field %d is '%s', expected '%s'", k, a->key, b->key);
    }

    fuzz_end_input(p);
    return 0;
}
