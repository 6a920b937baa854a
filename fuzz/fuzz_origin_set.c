/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_origin_set: matching a browser's Origin against compiled origin
 * rules: cors_origin_set_add, cors_make_origin_key,
 * cors_origin_set_matches and cors_match_origin (which also applies "*",
 * "null" and credentials).
 *
 * Input: a flags byte, then lines.  Every line but the last is an origin
 * rule, as in CORSAllowOrigin (flags bit 1: the even lines go to
 * CORSAllowOriginFile's set instead, so that both sets share one look-up
 * key); the last line is the Origin.  Flags bit 0: CORSAllowCredentials.
 *
 * Properties:
 * - a rule is accepted exactly when ref_origin.h's ref_rule_problem finds
 *   nothing wrong with it: the grammar (a final dot allowed), no ',', an
 *   IP host only as browsers write it, never after "*.";
 * for every Origin that parses (or is "null"):
 * - the answer is what ref_origin.h's reading of SPEC.md gives: listed
 *   exactly when one accepted rule admits the origin ("example.com." and
 *   "example.com" being different hosts), "*" answering for the others,
 *   and "*" alone never granting credentials; so an IP address spelled
 *   otherwise than browsers write it is never listed;
 * - with exact rules only, an allowed origin is byte-equal, normalised, to
 *   a listed one;
 * - a subdomain pattern never admits its apex nor a host that does not end
 *   with "." and its suffix.
 */

#include "fuzz.h"
#include "ref_origin.h"
#include "../mod_cors.c"

#define MAX_RULES 64

static apr_status_t unpin(void *pins)
{
    cors_live_unpin(pins);
    return APR_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char **lines;
    int nlines, nrules = 0, i, flags, credentials, split;
    ref_origin rules[MAX_RULES], origin;
    const char *rule_text[MAX_RULES];
    int any = 0, opaque = 0, exact_only = 1, listed = 0;
    const char *candidate;
    cors_dir_conf *conf;
    cors_match match, expected;
    const cors_live_pins *pins;
    request_rec r;

    if (size < 1) {
        return 0;
    }
    p = fuzz_begin_input();
    flags = data[0];
    credentials = flags & 1;
    split = flags & 2;
    nlines = fuzz_lines(p, data + 1, size - 1, &lines);
    candidate = lines[nlines - 1];

    conf = create_cors_dir_config(p, NULL);
    conf->credentials = credentials ? 1 : 0;
    conf->origins = cors_origin_set_make(p);
    if (split) {
        /* A live list as CORSAllowOriginFile makes, its version in force
         * given, never due for a look at its file. */
        cors_live_list *list = apr_pcalloc(p, sizeof(*list));
        list->name = "txt:fuzz";
        list->checked = APR_INT64_MAX;
        list->current = apr_pcalloc(p, sizeof(*list->current));
        list->current->set = cors_origin_set_make(p);
        list->current->refs = 1;
        conf->origin_files = apr_array_make(p, 1, sizeof(cors_live_list *));
        APR_ARRAY_PUSH(conf->origin_files, cors_live_list *) = list;
    }
    for (i = 0; i < nlines - 1 && nrules < MAX_RULES; i++) {
        const char *rule = lines[i];
        cors_origin_set *set = (split && i % 2 == 0)
            ? APR_ARRAY_IDX(conf->origin_files, 0, cors_live_list *)->current->set
            : conf->origins;
        const char *problem = cors_origin_set_add(p, set, rule);
        const char *suggest;

        if (!strcmp(rule, "*")) {
            FUZZ_CHECK(!problem, "'*' refused");
            any = 1;
        }
        else if (!strcmp(rule, "null")) {
            FUZZ_CHECK(!problem, "'null' refused");
            opaque = 1;
        }
        else if (ref_rule_problem(p, rule, &rules[nrules], &suggest)
                 == REF_RULE_OK) {
            FUZZ_CHECK(!problem, "rule '%s' refused: %s", rule, problem);
            if (rules[nrules].subdomains
                || rules[nrules].port == REF_PORT_ANY) {
                exact_only = 0;
            }
            rule_text[nrules++] = rule;
        }
        else {
            FUZZ_CHECK(problem, "rule '%s' accepted", rule);
        }
    }

    memset(&r, 0, sizeof(r));
    r.pool = p;
    /* As cors_decide holds them; dropped when the input's pool goes. */
    pins = cors_live_pin(&r, conf->origin_files,
                         apr_palloc(p, sizeof(cors_live_pins)), 1);
    if (pins) {
        apr_pool_cleanup_register(p, pins, unpin, apr_pool_cleanup_null);
    }

    if (!strcmp(candidate, "null")) {
        match = cors_match_origin(&r, conf, pins, candidate, NULL);
        expected = (any && !credentials) ? CORS_BY_WILDCARD
                   : opaque ? CORS_LISTED
                   : any ? CORS_BY_WILDCARD : CORS_NOT_LISTED;
        FUZZ_CHECK(match == expected, "null: %d, expected %d", match,
                   expected);
        fuzz_end_input(p);
        return 0;
    }

    {
        cors_origin_parts o;
        int parsed = cors_parse_origin(candidate, strlen(candidate), 0, &o)
                     == CORS_ORIGIN_OK;
        int ref_parsed = ref_parse_origin(p, candidate, 0, &origin);

        FUZZ_CHECK(parsed == ref_parsed, "Origin '%s': mod_cors %s, the "
                   "grammar %s", candidate, parsed ? "parses" : "refuses",
                   ref_parsed ? "parses" : "refuses");
        if (!parsed) {
            /* cors_decide answers denied:malformed, never looks it up. */
            fuzz_end_input(p);
            return 0;
        }

        for (i = 0; i < nrules; i++) {
            listed |= ref_rule_matches(&rules[i], &origin);
        }
        expected = (any && !credentials) ? CORS_BY_WILDCARD
                   : listed ? CORS_LISTED
                   : any ? CORS_BY_WILDCARD : CORS_NOT_LISTED;
        {
            /* As cors_decide does: the Origin as received when a list
             * holds it exactly, else parsed and normalised. */
            cors_origin_key request_key;
            FUZZ_CHECK(cors_make_request_key(p, conf->origins,
                                             cors_files_list(&r, pins,
                                                 candidate, strlen(candidate)),
                                             candidate, strlen(candidate),
                                             &request_key),
                       "Origin '%s' parses but has no key", candidate);
            match = cors_match_origin(&r, conf, pins, candidate,
                                      &request_key);
        }
        FUZZ_CHECK(match == expected, "Origin '%s' (normalised '%s'): "
                   "match %d, expected %d", candidate, origin.normalised,
                   match, expected);

        /* The set alone, through a key of its own. */
        if (!split) {
            cors_origin_key key;
            int found;

            cors_make_origin_key(p, candidate, strlen(candidate), &o, &key);
            FUZZ_CHECK(!strcmp(key.key, origin.normalised), "Origin '%s': "
                       "key '%s', normalised '%s'", candidate, key.key,
                       origin.normalised);
            found = cors_origin_set_matches(p, conf->origins, &key);
            FUZZ_CHECK(found == listed, "Origin '%s': found %d, listed %d",
                       candidate, found, listed);
            if (found && exact_only) {
                /* mod_cors's own normalised form of each rule */
                int equal = 0;
                for (i = 0; i < nrules; i++) {
                    cors_origin_parts ro;
                    cors_parse_origin(rule_text[i], strlen(rule_text[i]), 1,
                                      &ro);
                    equal |= !strcmp(cors_normalise_origin(p, rule_text[i],
                                                           &ro), key.key);
                }
                FUZZ_CHECK(equal, "Origin '%s' allowed by exact rules, none "
                           "equal to '%s'", candidate, key.key);
            }
        }

        /* Each subdomain pattern alone: it admits only hosts that end
         * with "." and its suffix, on its scheme, never the apex. */
        for (i = 0; i < nrules && i < 8; i++) {
            cors_origin_set *single;
            cors_origin_key key;
            const char *host, *suffix = rules[i].host;
            apr_size_t hl, sl = strlen(suffix);

            if (!rules[i].subdomains) {
                continue;
            }
            single = cors_origin_set_make(p);
            cors_origin_set_add(p, single, rule_text[i]);
            cors_make_origin_key(p, candidate, strlen(candidate), &o, &key);
            if (!cors_origin_set_matches(p, single, &key)) {
                continue;
            }
            host = key.key + key.host_offset;
            hl = key.host_len;
            FUZZ_CHECK(hl > sl + 1 && host[hl - sl - 1] == '.'
                       && !memcmp(host + hl - sl, suffix, sl)
                       && !strncmp(key.key, rules[i].normalised,
                                   key.host_offset),
                       "'%s' admits '%s'", rule_text[i], candidate);
        }
    }
    fuzz_end_input(p);
    return 0;
}
