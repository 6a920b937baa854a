# The hostile-request corpus of t/hostile.t: raw HTTP/1.1 requests, sent byte for byte
# over a plain socket to the locations of t/conf/hostile.conf.in, each with the status
# and the exact CORS response fields it must get.
#
# A case is a hash:
#   name     what the case proves (the test name)
#   request  the raw request; @HOSTPORT@ stands for the test server's host:port
#   status   the exact status
#   cors     every Access-Control-* field the response must carry, name => exact value,
#            plus Vary (compared as its list of tokens); any other Access-Control-*
#            field, a second field of one name, and any X-Injected or Set-Cookie field
#            fail the case
#
# The helpers below only build the request line, Host and Connection around the
# header lines given, and the four possible answers of /hostile/:
#   allowed($origin)     an allowed actual request: the Origin echoed as received,
#                        credentials, the exposed header, Vary: Origin
#   preflight($origin)   an allowed preflight: the configured lists, Max-Age, and the
#                        preflight Vary
#   denied()             a denied or same-origin request: no CORS header, Vary: Origin
#   untouched()          httpd refused the request before any module saw it: no CORS
#                        header and no Vary
#
# httpd 2.4 (HttpProtocolOptions Strict, the default) answers 400 itself to control
# bytes other than a tab in a field value, to bare CR or LF line ends, to a field line
# longer than LimitRequestFieldSize (8190: a line of 8191 bytes still passes, 8192 does
# not), to several fields of one name that together exceed it, to more than
# LimitRequestFields (100) fields, and to a continuation line before the first field;
# it joins an obs-fold continuation line to the field with a space, and trims spaces
# and tabs around a field value.  Those statuses are httpd's, checked on Debian 12's
# apache2 2.4; the other answers are mod_cors's.
use strict;
use warnings FATAL => 'all';

my $DOC    = '/hostile/doc.txt';
my $REJECT = '/hostile/reject/doc.txt';
my $APP    = 'https://app.example.com';

# A request to $path with these header lines (each without its CRLF).
sub request_to {
    my ($method, $path, @lines) = @_;
    return join '', "$method $path HTTP/1.1\r\n", "Host: \@HOSTPORT\@\r\n",
                    map({ "$_\r\n" } @lines), "Connection: close\r\n", "\r\n";
}
sub get      { request_to(GET => $DOC, @_) }
sub get_rej  { request_to(GET => $REJECT, @_) }
sub origin   { get("Origin: $_[0]") }
sub preflight_request {
    my ($path, $origin, $method, @more) = @_;
    return request_to(OPTIONS => $path, "Origin: $origin",
                      "Access-Control-Request-Method: $method", @more);
}
sub options  { preflight_request($DOC, @_) }
sub options_rej { preflight_request($REJECT, @_) }

sub allowed {
    my ($origin) = @_;
    return { 'Access-Control-Allow-Origin'      => $origin,
             'Access-Control-Allow-Credentials' => 'true',
             'Access-Control-Expose-Headers'    => 'X-Request-Id',
             'Vary'                             => 'Origin' };
}
sub preflight {
    my ($origin) = @_;
    return { 'Access-Control-Allow-Origin'      => $origin,
             'Access-Control-Allow-Credentials' => 'true',
             'Access-Control-Allow-Methods'     => 'GET, POST, PUT, DELETE, PATCH',
             'Access-Control-Allow-Headers'     => 'Content-Type, X-Requested-With, Authorization',
             'Access-Control-Max-Age'           => '600',
             'Vary' => 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' };
}
sub denied    { { 'Vary' => 'Origin' } }
sub untouched { {} }

# Shorthands for the most frequent shapes.
sub malformed_origin {    # an Origin that is not scheme://host[:port] or null
    my ($name, $origin) = @_;
    return { name => "$name: malformed, denied", request => origin($origin),
             status => 200, cors => denied() };
}
sub denied_origin {       # a well-formed origin no origin rule matches
    my ($name, $origin) = @_;
    return { name => "$name: denied", request => origin($origin),
             status => 200, cors => denied() };
}
sub allowed_origin {      # allowed, echoed as received
    my ($name, $origin, $echo) = @_;
    return { name => "$name: allowed, echoed as received", request => origin($origin),
             status => 200, cors => allowed($echo // $origin) };
}
sub refused_by_httpd {    # httpd answers 400 before any module runs
    my ($name, $request) = @_;
    return { name => "$name: httpd answers 400, no CORS header", request => $request,
             status => 400, cors => untouched() };
}
sub denied_preflight {    # a preflight that is not allowed proceeds as an OPTIONS: 200
    my ($name, @args) = @_;
    return { name => "$name: preflight denied, proceeds as OPTIONS without CORS headers",
             request => options(@args), status => 200, cors => denied() };
}
sub explained_preflight { # SPEC "Preflight": denied for its method or headers, answered
    my ($name, @args) = @_;  # with the lists so that the console names what is at fault
    my $cors = preflight($args[0]);
    delete $cors->{'Access-Control-Max-Age'};
    return { name => "$name: preflight denied, answered with the configured lists",
             request => options(@args), status => 204, cors => $cors };
}
sub allowed_preflight {
    my ($name, @args) = @_;
    return { name => "$name: preflight allowed", request => options(@args),
             status => 204, cors => preflight($args[0]) };
}

# A subdomain host of $labels labels of $label, under .example.org.
sub deep_host { my ($labels) = @_; join('.', ('a') x $labels) . '.example.org' }

my $long_label = 'a' x 8000;
# "Origin: https://" is 16 bytes, ".example.org" 12: a line of exactly $n bytes.
sub origin_line_of { my ($n) = @_; 'Origin: https://' . ('a' x ($n - 28)) . '.example.org' }

return (

    # --- Several and folded Origin fields ------------------------------------------------
    # SPEC: "Several Origin fields (httpd folds them into one value with a comma) ...:
    # denied, reason malformed."
    { name => 'two identical Origin fields: malformed, denied',
      request => get("Origin: $APP", "Origin: $APP"), status => 200, cors => denied() },
    { name => 'an allowed and a foreign Origin field: malformed, denied',
      request => get("Origin: $APP", 'Origin: https://evil.example'), status => 200,
      cors => denied() },
    { name => 'a foreign and an allowed Origin field: malformed, denied',
      request => get('Origin: https://evil.example', "Origin: $APP"), status => 200,
      cors => denied() },
    { name => 'an allowed and an empty Origin field: malformed, denied',
      request => get("Origin: $APP", 'Origin:'), status => 200, cors => denied() },
    { name => 'three Origin fields, all allowed: malformed, denied',
      request => get(("Origin: $APP") x 3), status => 200, cors => denied() },
    { name => 'Origin fields named in different case count as several: malformed, denied',
      request => get("Origin: $APP", "ORIGIN: $APP"), status => 200, cors => denied() },
    { name => 'obs-fold: a continuation line is joined with a space: malformed, denied',
      request => get("Origin: $APP", ' .evil.example'), status => 200, cors => denied() },
    { name => 'obs-fold with a tab: a continuation line is joined with a space: malformed, denied',
      request => get("Origin: $APP", "\t:8443"), status => 200, cors => denied() },
    { name => 'obs-fold: the whole value on the continuation line is that value: allowed',
      request => get('Origin:', " $APP"), status => 200, cors => allowed($APP) },
    { name => 'obs-fold: a second origin on a continuation line: malformed, denied',
      request => get("Origin: $APP,", ' https://evil.example'), status => 200,
      cors => denied() },
    refused_by_httpd('a continuation line before the first field',
                     "GET $DOC HTTP/1.1\r\n Origin: $APP\r\nHost: \@HOSTPORT\@\r\n"
                     . "Connection: close\r\n\r\n"),
    refused_by_httpd('a space between the field name Origin and its colon',
                     get("Origin : $APP")),
    { name => 'a field name in any case is Origin: allowed',
      request => get("oRiGiN: $APP"), status => 200, cors => allowed($APP) },
    { name => 'no space after the colon: allowed',
      request => get("Origin:$APP"), status => 200, cors => allowed($APP) },

    # --- Empty and whitespace values -----------------------------------------------------
    # SPEC: "an empty value ...: denied, reason malformed."
    { name => 'an empty Origin: malformed, denied',
      request => get('Origin:'), status => 200, cors => denied() },
    { name => 'an Origin of spaces (httpd trims them to empty): malformed, denied',
      request => get('Origin:      '), status => 200, cors => denied() },
    { name => 'an Origin of tabs (httpd trims them to empty): malformed, denied',
      request => get("Origin:\t\t"), status => 200, cors => denied() },
    { name => 'spaces and tabs around an allowed origin are trimmed by httpd: allowed',
      request => get("Origin: \t $APP \t "), status => 200, cors => allowed($APP) },
    malformed_origin('a space inside the origin', 'https://app.example.com .evil.example'),
    malformed_origin('a tab inside the host', "https://app.\texample.com"),
    malformed_origin('a space after the scheme', 'https:// app.example.com'),
    malformed_origin('two origins separated by a space', "$APP https://evil.example"),

    # --- Long values ---------------------------------------------------------------------
    # A DNS host has labels of at most 63 bytes and 253 bytes in all; longer is malformed,
    # which also bounds the work a subdomain pattern does per request.
    malformed_origin('an 8 KiB host under the subdomain pattern (a label over 63 bytes)',
                     "https://$long_label.example.org"),
    malformed_origin('an 8 KiB unlisted host', "https://$long_label.example.net"),
    { name => 'a 253-byte host under the subdomain pattern: allowed, echoed whole, once',
      request => origin('https://' . ('a' x 61 . '.') x 3 . 'a' x 55 . '.example.org'),
      status => 200,
      cors => allowed('https://' . ('a' x 61 . '.') x 3 . 'a' x 55 . '.example.org') },
    malformed_origin('a 254-byte host under the subdomain pattern',
                     'https://' . ('a' x 61 . '.') x 3 . 'a' x 56 . '.example.org'),
    malformed_origin('a 64-byte label under the subdomain pattern',
                     'https://' . 'a' x 64 . '.example.org'),
    malformed_origin('an 8 KiB path after an allowed origin', "$APP/" . ('p' x 8000)),
    malformed_origin('a host of 4,000 one-letter labels under the subdomain pattern',
                     'https://' . deep_host(4000)),
    malformed_origin('a host of 4,000 one-letter labels under no pattern',
                     'https://' . join('.', ('a') x 4000) . '.example.net'),
    { name => 'an Origin line of 8191 bytes (LimitRequestFieldSize 8190) reaches mod_cors: malformed',
      request => get(origin_line_of(8191)), status => 200, cors => denied() },
    refused_by_httpd('an Origin line of 8192 bytes (LimitRequestFieldSize 8190)',
                     get(origin_line_of(8192))),
    refused_by_httpd('an Origin line of 9000 bytes', get(origin_line_of(9000))),
    refused_by_httpd('two Origin fields of 5,000 bytes each, 10,000 merged',
                     get(map { origin_line_of(5000) } 1, 2)),
    { name => 'two Origin fields of 4,000 bytes each, under the limit merged: malformed, denied',
      request => get(map { origin_line_of(4000) } 1, 2), status => 200, cors => denied() },

    # --- NUL and control bytes -----------------------------------------------------------
    refused_by_httpd('a NUL byte in Origin', origin("$APP\0")),
    refused_by_httpd('a NUL byte inside the host', origin("https://app\0.example.com")),
    refused_by_httpd('a NUL byte in the field name', get("Ori\0gin: $APP")),
    refused_by_httpd('a \\x01 byte in Origin', origin("$APP\x01")),
    refused_by_httpd('an escape byte (\\x1b) in Origin', origin("https://app.example.com\x1b[31m")),
    refused_by_httpd('a vertical tab in Origin', origin("$APP\x0b")),
    refused_by_httpd('a form feed in Origin', origin("$APP\x0c")),
    refused_by_httpd('a DEL byte (\\x7f) in Origin', origin("$APP\x7f")),
    refused_by_httpd('a bare CR inside the Origin line', origin("$APP\rX-Injected: 1")),
    refused_by_httpd('a bare LF ending the Origin line', origin("$APP\nX-Injected: 1")),
    refused_by_httpd('a \\x01 byte in Access-Control-Request-Method',
                     options($APP, "PU\x01T")),
    refused_by_httpd('a NUL byte in Access-Control-Request-Headers',
                     options($APP, 'PUT', "Access-Control-Request-Headers: content-type\0")),

    # --- Non-ASCII and punycode ----------------------------------------------------------
    # SPEC: a non-ASCII host is written as punycode, as browsers send it.
    malformed_origin('a UTF-8 host (b\\xc3\\xbccher)', "https://b\xc3\xbccher.example"),
    malformed_origin('a UTF-8 host under the subdomain pattern', "https://\xc3\xa4.example.org"),
    malformed_origin('a Latin-1 byte in the host', "https://caf\xe9.example.org"),
    malformed_origin('a byte \\xff after an allowed origin', "$APP\xff"),
    malformed_origin('a UTF-8 byte order mark before an allowed origin', "\xef\xbb\xbf$APP"),
    malformed_origin('an ideographic full stop (U+3002) in the host', "https://app\xe3\x80\x82example.com"),
    malformed_origin('an overlong UTF-8 dot in the host', "https://app\xc0\xaeexample.com"),
    malformed_origin('a UTF-8 letter in the scheme', "h\xc3\xa9ttps://app.example.com"),
    malformed_origin('a UTF-8 digit in the port', "http://localhost:8\xd9\xa0"),
    allowed_origin('the punycode host listed', 'https://xn--bcher-kva.example'),
    allowed_origin('the punycode host listed, upper case', 'https://XN--BCHER-KVA.EXAMPLE'),
    allowed_origin('a punycode subdomain under the pattern', 'https://xn--80ak6aa92e.example.org'),
    denied_origin('a punycode look-alike of an allowed host', 'https://xn--pp-xxa.example.com'),

    # --- IPv6 literals -------------------------------------------------------------------
    allowed_origin('an IPv6 literal listed', 'http://[::1]:8080'),
    allowed_origin('an IPv6 literal in upper-case hex', 'http://[2001:DB8::A]'),
    allowed_origin('an IPv6 literal with its default port', 'http://[2001:db8::a]:80'),
    denied_origin('an IPv6 literal listed with a port, without it', 'http://[::1]'),
    denied_origin('an IPv6 literal on another port', 'http://[::1]:8081'),
    denied_origin('an IPv6 literal written uncompressed (browsers compress it)', 'http://[0:0:0:0:0:0:0:1]:8080'),
    denied_origin('an IPv4-mapped IPv6 literal', 'http://[::ffff:127.0.0.1]:8081'),
    malformed_origin('an IPv6 literal with a zone id', 'http://[fe80::1%25eth0]:8080'),
    malformed_origin('an IPv6 literal with a raw zone id', 'http://[fe80::1%eth0]:8080'),
    malformed_origin('an IPv6 literal without its closing bracket', 'http://[::1:8080'),
    malformed_origin('an IPv6 literal without brackets', 'http://::1:8080'),
    malformed_origin('an empty IPv6 literal', 'http://[]:8080'),
    malformed_origin('a non-hex digit in an IPv6 literal', 'http://[g::1]:8080'),
    malformed_origin('text after an IPv6 literal', 'http://[::1]x:8080'),
    malformed_origin('two closing brackets', 'http://[::1]]:8080'),
    malformed_origin('brackets around a name', 'http://[localhost]:8080'),

    # --- Ports ---------------------------------------------------------------------------
    # The port wildcard http://localhost:* allows any port "including none".
    allowed_origin('the port wildcard without a port', 'http://localhost'),
    allowed_origin('the port wildcard on port 1', 'http://localhost:1'),
    allowed_origin('the port wildcard on port 65535', 'http://localhost:65535'),
    malformed_origin('port 0 (out of range 1-65535)', 'http://localhost:0'),
    malformed_origin('port 65536', 'http://localhost:65536'),
    malformed_origin('port 99999', 'http://localhost:99999'),
    malformed_origin('port 2^32+80, which would wrap to 80', 'http://localhost:4294967376'),
    malformed_origin('a negative port', 'http://localhost:-1'),
    malformed_origin('a port with a plus sign', 'http://localhost:+80'),
    malformed_origin('an empty port', 'http://localhost:'),
    malformed_origin('a port with letters', 'http://localhost:80ab'),
    malformed_origin('two ports', 'http://localhost:80:81'),
    malformed_origin('a literal * port in a request', 'http://localhost:*'),
    # Decided (SPEC is silent): a port with leading zeros is that port, as a URL parser
    # reads it; no browser sends one, and the answer echoes it as received.
    allowed_origin('the port wildcard on port 00080 (leading zeros)', 'http://localhost:00080'),
    allowed_origin('a listed port written with a leading zero', 'https://api.example.com:08443'),
    allowed_origin('a listed IPv4 origin with a leading-zero port', 'http://127.0.0.1:08081'),
    malformed_origin('a listed port + 65536 (out of range)', 'https://api.example.com:74979'),
    allowed_origin('the default port written explicitly (:443)', 'https://app.example.com:443'),
    allowed_origin('the default port written with leading zeros (:0443)', 'https://app.example.com:0443'),
    denied_origin('the http default port on an https origin', 'https://app.example.com:80'),
    denied_origin('another port than the one listed', 'https://api.example.com:443'),

    # --- null ----------------------------------------------------------------------------
    # "null" is listed here; only that exact value is the opaque origin.
    allowed_origin('null, listed', 'null'),
    { name => 'null followed by a space (trimmed by httpd): allowed',
      request => get('Origin: null '), status => 200, cors => allowed('null') },
    { name => 'null between tabs (trimmed by httpd): allowed',
      request => get("Origin:\tnull\t"), status => 200, cors => allowed('null') },
    malformed_origin('NULL', 'NULL'),
    malformed_origin('Null', 'Null'),
    malformed_origin('nuLL', 'nuLL'),
    malformed_origin('null,null', 'null,null'),
    malformed_origin('null, null', 'null, null'),
    { name => 'two Origin fields null and null: malformed, denied',
      request => get('Origin: null', 'Origin: null'), status => 200, cors => denied() },
    malformed_origin('null with a trailing slash', 'null/'),
    malformed_origin('nul', 'nul'),
    malformed_origin('"null" in quotes', '"null"'),
    malformed_origin('null with a NBSP (UTF-8)', "null\xc2\xa0"),
    denied_origin('a scheme named null', 'null://app.example.com'),

    # --- Access-Control-Request-Method ---------------------------------------------------
    # SPEC: methods DELETE GET HEAD OPTIONS POST PUT match case-insensitively, any other
    # case-sensitively; a requested method must be a token.
    denied_preflight('an empty requested method', $APP, ''),
    denied_preflight('a requested method of spaces', $APP, '   '),
    denied_preflight('two methods in one value (GET POST)', $APP, 'GET POST'),
    denied_preflight('a comma-separated list of methods', $APP, 'GET,PUT'),
    denied_preflight('a method in parentheses', $APP, '(GET)'),
    denied_preflight('a quoted method', $APP, '"PUT"'),
    denied_preflight('a UTF-8 method', $APP, "P\xc3\x9cT"),
    denied_preflight('a method with a slash', $APP, 'PUT/1'),
    explained_preflight('a method not listed (CONNECT)', $APP, 'CONNECT'),
    explained_preflight('a method not listed (TRACE)', $APP, 'TRACE'),
    explained_preflight('a method of a single * (CORSAllowMethods has no *)', $APP, '*'),
    explained_preflight('a listed non-normalised method in lower case (patch)', $APP, 'patch'),
    explained_preflight('a listed non-normalised method in mixed case (Patch)', $APP, 'Patch'),
    explained_preflight('a 4,000-byte method', $APP, 'P' x 4000),
    { name => 'two Access-Control-Request-Method fields: one value "PUT, DELETE": preflight denied',
      request => request_to(OPTIONS => $DOC, "Origin: $APP", 'Access-Control-Request-Method: PUT',
                            'Access-Control-Request-Method: DELETE'),
      status => 200, cors => denied() },
    allowed_preflight('a listed method in lower case (put)', $APP, 'put'),
    allowed_preflight('a listed method in mixed case (Delete)', $APP, 'Delete'),
    allowed_preflight('a listed method, trailing space trimmed by httpd', $APP, 'PUT '),
    allowed_preflight('a safelisted method in lower case (get)', $APP, 'get'),
    allowed_preflight('a listed non-normalised method as listed (PATCH)', $APP, 'PATCH'),
    { name => 'a field name in any case is Access-Control-Request-Method: preflight allowed',
      request => request_to(OPTIONS => $DOC, "Origin: $APP", 'access-control-REQUEST-method: PUT'),
      status => 204, cors => preflight($APP) },
    { name => 'Access-Control-Request-Method on a GET is no preflight: an allowed actual request',
      request => request_to(GET => $DOC, "Origin: $APP", 'Access-Control-Request-Method: PUT'),
      status => 200, cors => allowed($APP) },
    { name => 'an OPTIONS without Access-Control-Request-Method is an allowed actual request',
      request => request_to(OPTIONS => $DOC, "Origin: $APP"), status => 200,
      cors => allowed($APP) },
    { name => 'a preflight from a malformed origin: denied',
      request => options('https://app.example.com.', 'PUT'), status => 200, cors => denied() },
    { name => 'a preflight from the opaque origin, listed: allowed',
      request => options('null', 'PUT'), status => 204, cors => preflight('null') },

    # --- Access-Control-Request-Headers --------------------------------------------------
    # SPEC: "more than 64 names, or a value over 4 KiB, is denied, reason headers."
    denied_preflight('1,000 requested header names', $APP, 'PUT',
                     'Access-Control-Request-Headers: ' . join(',', ('x') x 1000)),
    denied_preflight('1,000 distinct requested header names',
                     $APP, 'PUT', 'Access-Control-Request-Headers: ' . join(',', map { "x-h$_" } 1 .. 1000)),
    refused_by_httpd('10,000 commas in Access-Control-Request-Headers (over LimitRequestFieldSize)',
                     options($APP, 'PUT', 'Access-Control-Request-Headers: ' . (',' x 10000))),
    refused_by_httpd('10,000 commas in Access-Control-Request-Headers over three fields',
                     options($APP, 'PUT', map { 'Access-Control-Request-Headers: ' . (',' x 3334) } 1 .. 3)),
    refused_by_httpd('101 Access-Control-Request-Headers fields (over LimitRequestFields)',
                     options($APP, 'PUT', ('Access-Control-Request-Headers: content-type') x 101)),
    allowed_preflight('4,000 commas and no name', $APP, 'PUT',
                      'Access-Control-Request-Headers: ' . (',' x 4000)),
    allowed_preflight('64 requested header names, all allowed', $APP, 'PUT',
                      'Access-Control-Request-Headers: ' . join(',', ('content-type') x 64)),
    denied_preflight('65 requested header names, all allowed', $APP, 'PUT',
                     'Access-Control-Request-Headers: ' . join(',', ('content-type') x 65)),
    allowed_preflight('a requested header list of exactly 4,096 bytes', $APP, 'PUT',
                      'Access-Control-Request-Headers: content-type' . (',' x (4096 - 12))),
    denied_preflight('a requested header list of 4,097 bytes', $APP, 'PUT',
                     'Access-Control-Request-Headers: content-type' . (',' x (4097 - 12))),
    denied_preflight('a requested header list over 4 KiB across two fields', $APP, 'PUT',
                     map { 'Access-Control-Request-Headers: content-type' . (',' x 2100) } 1, 2),
    allowed_preflight('50 Access-Control-Request-Headers fields of allowed names', $APP, 'PUT',
                      ('Access-Control-Request-Headers: Content-Type') x 50),
    allowed_preflight('requested header names in any case, with spaces and empty elements',
                      $APP, 'PUT', 'Access-Control-Request-Headers: , CONTENT-type ,,x-REQUESTED-with,  ,'),
    denied_preflight('a requested header name with a space', $APP, 'PUT',
                     'Access-Control-Request-Headers: Content Type'),
    denied_preflight('a requested header name with a semicolon', $APP, 'PUT',
                     'Access-Control-Request-Headers: Content-Type;'),
    denied_preflight('a requested header name with a colon', $APP, 'PUT',
                     'Access-Control-Request-Headers: Content-Type: text/html'),
    denied_preflight('a UTF-8 requested header name', $APP, 'PUT',
                     "Access-Control-Request-Headers: X-Caf\xc3\xa9"),
    explained_preflight('an allowed and an unlisted requested header name', $APP, 'PUT',
                     'Access-Control-Request-Headers: Content-Type, X-Evil'),

    # --- CRLF injection ------------------------------------------------------------------
    # The response never carries an injected field (checked on every case).
    malformed_origin('an Origin with %0d%0a and a field after it',
                     "$APP%0d%0aX-Injected:%201"),
    malformed_origin('an Origin with %0D%0A in the host', 'https://app.example.com%0D%0ASet-Cookie:a=1'),
    malformed_origin('an Origin with an escaped \\r\\n text', "$APP\\r\\nX-Injected: 1"),
    malformed_origin('an Origin with a UTF-8 line separator (U+2028)', "$APP\xe2\x80\xa8X-Injected: 1"),
    malformed_origin('an Origin with a UTF-8 next line (U+0085)', "$APP\xc2\x85X-Injected: 1"),
    { name => 'a literal CRLF ends the Origin field: the next line is another request field, '
              . 'never a response field: allowed',
      request => get("Origin: $APP\r\nX-Injected: 1"), status => 200, cors => allowed($APP) },
    { name => 'a literal CRLF then a field named like a CORS response field: allowed, echoed once',
      request => get("Origin: $APP\r\nAccess-Control-Allow-Origin: *"), status => 200,
      cors => allowed($APP) },
    { name => 'an encoded CRLF in the URL: 404, still with the CORS headers of an allowed origin',
      request => request_to(GET => "$DOC%0d%0aX-Injected:%201", "Origin: $APP"), status => 404,
      cors => allowed($APP) },
    denied_preflight('an encoded CRLF in the requested method', $APP, 'PUT%0d%0aX-Injected:%201'),
    denied_preflight('an encoded CRLF in the requested headers', $APP, 'PUT',
                     'Access-Control-Request-Headers: content-type%0d%0aX-Injected:%201'),

    # --- Schemes -------------------------------------------------------------------------
    allowed_origin('an allowed origin in upper case', 'HTTPS://APP.EXAMPLE.COM'),
    allowed_origin('an allowed origin in mixed case', 'hTtPs://App.Example.Com'),
    denied_origin('an allowed host over http', 'http://app.example.com'),
    denied_origin('a scheme with + - . (valid)', 'ht+tp-s.x://app.example.com'),
    denied_origin('the javascript scheme', 'javascript://app.example.com'),
    malformed_origin('one slash after the scheme', 'https:/app.example.com'),
    malformed_origin('no slash after the scheme', 'https:app.example.com'),
    malformed_origin('three slashes after the scheme', 'https:///app.example.com'),
    malformed_origin('no scheme', '//app.example.com'),
    malformed_origin('an empty scheme', '://app.example.com'),
    malformed_origin('a bare host', 'app.example.com'),
    malformed_origin('a scheme starting with a digit', '1https://app.example.com'),
    malformed_origin('a scheme with an underscore', 'ht_tps://app.example.com'),
    malformed_origin('a space before ://', 'https ://app.example.com'),
    malformed_origin('a percent-encoded scheme', 'http%73://app.example.com'),
    malformed_origin('an empty host (file://)', 'file://'),
    malformed_origin('a data: URL', 'data:text/html,hi'),
    malformed_origin('a trailing slash', "$APP/"),
    malformed_origin('a path', "$APP/api"),
    malformed_origin('a query', "$APP?x=1"),
    malformed_origin('a fragment', "$APP#x"),
    malformed_origin('a default port and a trailing slash', "$APP:443/"),

    # --- User info, backslashes, dots, look-alikes ---------------------------------------
    malformed_origin('user info before a foreign host (app.example.com@evil.net)',
                     'https://app.example.com@evil.net'),
    malformed_origin('user info before an allowed host', 'https://evil.net@app.example.com'),
    malformed_origin('user info with a port before a foreign host', 'https://app.example.com:443@evil.net'),
    malformed_origin('an empty user info', 'https://@app.example.com'),
    malformed_origin('a backslash before a foreign host', 'https://app.example.com\\evil.net'),
    malformed_origin('a backslash and @ before an allowed host', 'https://evil.net\\@app.example.com'),
    malformed_origin('backslashes instead of slashes', 'https:\\\\app.example.com'),
    malformed_origin('a trailing dot (app.example.com.)', 'https://app.example.com.'),
    malformed_origin('two trailing dots', 'https://app.example.com..'),
    malformed_origin('a leading dot', 'https://.app.example.com'),
    malformed_origin('an empty label', 'https://app..example.com'),
    malformed_origin('a percent-encoded dot before a foreign host', 'https://app.example.com%2eevil.net'),
    malformed_origin('a percent-encoded dot inside the host', 'https://app%2Eexample.com'),
    malformed_origin('a semicolon after the host', 'https://app.example.com;evil.net'),
    malformed_origin('a comma after the host', 'https://app.example.com,evil.net'),
    malformed_origin('a literal * label in a request', 'https://*.example.org'),
    denied_origin('an allowed host followed by a foreign domain', 'https://app.example.com.evil.net'),
    denied_origin('an allowed host with a foreign prefix', 'https://evilapp.example.com'),
    denied_origin('an allowed host with a hyphenated prefix', 'https://evil-app.example.com'),
    denied_origin('an allowed IPv4 origin written as one number', 'http://2130706433:8081'),
    denied_origin('an allowed IPv4 origin written short', 'http://127.1:8081'),

    # --- The subdomain pattern https://*.example.org --------------------------------------
    allowed_origin('one label under the pattern', 'https://a.example.org'),
    allowed_origin('three labels under the pattern', 'https://a.b.c.example.org'),
    allowed_origin('a label under the pattern in upper case', 'https://WWW.EXAMPLE.ORG'),
    allowed_origin('a label of - under the pattern', 'https://-.example.org'),
    allowed_origin('the pattern with its default port written', 'https://a.example.org:443'),
    denied_origin('the apex of the pattern', 'https://example.org'),
    denied_origin('a host ending like the pattern', 'https://evil-example.org'),
    denied_origin('a host ending like the pattern without a dot', 'https://aexample.org'),
    denied_origin('the pattern followed by a foreign domain', 'https://a.example.org.evil.net'),
    denied_origin('the pattern domain as a label of a foreign domain', 'https://example.org.evil.net'),
    denied_origin('the pattern over http', 'http://a.example.org'),
    denied_origin('the pattern on another port', 'https://a.example.org:8443'),

    # --- The port wildcard http://localhost:* ----------------------------------------------
    allowed_origin('the port wildcard on port 3000', 'http://localhost:3000'),
    allowed_origin('the port wildcard in upper case', 'HTTP://LOCALHOST:3000'),
    denied_origin('the port wildcard over https', 'https://localhost:3000'),
    denied_origin('a subdomain of the port wildcard host', 'http://a.localhost:3000'),
    denied_origin('the port wildcard host followed by a foreign domain', 'http://localhost.evil.net:3000'),

    # --- Same origin -----------------------------------------------------------------------
    # SPEC: "An Origin equal to the request's own origin ... same-origin: no CORS headers,
    # never rejected."
    { name => 'the request\'s own origin: same-origin, no CORS headers',
      request => origin('http://@HOSTPORT@'), status => 200, cors => denied() },
    { name => 'the request\'s own origin in upper case: same-origin, no CORS headers',
      request => origin('HTTP://@HOSTPORT@'), status => 200, cors => denied() },
    { name => 'the request\'s own origin with a rejecting configuration: not rejected',
      request => get_rej('Origin: http://@HOSTPORT@'), status => 200, cors => denied() },

    # --- CORSRejectDisallowed On --------------------------------------------------------------
    # SPEC: "a cross-origin request from a disallowed or malformed origin, and a denied
    # preflight, are answered 403."
    { name => 'reject: an unlisted origin is answered 403 without CORS headers',
      request => get_rej('Origin: https://evil.example'), status => 403, cors => denied() },
    { name => 'reject: a look-alike origin (app.example.com.evil.net) is answered 403',
      request => get_rej('Origin: https://app.example.com.evil.net'), status => 403, cors => denied() },
    { name => 'reject: two Origin fields are answered 403',
      request => get_rej("Origin: $APP", "Origin: $APP"), status => 403, cors => denied() },
    { name => 'reject: an obs-folded Origin is answered 403',
      request => get_rej("Origin: $APP", ' .evil.example'), status => 403, cors => denied() },
    { name => 'reject: an empty Origin is answered 403',
      request => get_rej('Origin:'), status => 403, cors => denied() },
    { name => 'reject: NULL is answered 403',
      request => get_rej('Origin: NULL'), status => 403, cors => denied() },
    { name => 'reject: user info is answered 403',
      request => get_rej('Origin: https://app.example.com@evil.net'), status => 403, cors => denied() },
    { name => 'reject: a trailing dot is answered 403',
      request => get_rej('Origin: https://app.example.com.'), status => 403, cors => denied() },
    { name => 'reject: a UTF-8 host is answered 403',
      request => get_rej("Origin: https://b\xc3\xbccher.example"), status => 403, cors => denied() },
    { name => 'reject: an 8 KiB unlisted host is answered 403',
      request => get_rej("Origin: https://$long_label.example.net"), status => 403, cors => denied() },
    { name => 'reject: an encoded CRLF in Origin is answered 403',
      request => get_rej("Origin: $APP%0d%0aX-Injected:%201"), status => 403, cors => denied() },
    { name => 'reject: a preflight for a method not allowed is answered 403',
      request => options_rej($APP, 'patch'), status => 403, cors => denied() },
    { name => 'reject: a preflight with 1,000 requested headers is answered 403',
      request => options_rej($APP, 'PUT', 'Access-Control-Request-Headers: ' . join(',', ('x') x 1000)),
      status => 403, cors => denied() },
    { name => 'reject: a preflight with an empty requested method is answered 403',
      request => options_rej($APP, ''), status => 403, cors => denied() },
    { name => 'reject: an allowed preflight is answered 204',
      request => options_rej($APP, 'PUT'), status => 204, cors => preflight($APP) },
    { name => 'reject: an allowed origin with the default port written is answered 200',
      request => get_rej('Origin: https://app.example.com:443'), status => 200,
      cors => allowed('https://app.example.com:443') },
    { name => 'reject: null, listed, is answered 200',
      request => get_rej('Origin: null'), status => 200, cors => allowed('null') },
    { name => 'reject: a request without Origin is never rejected',
      request => get_rej(), status => 200, cors => denied() },
    { name => 'reject: a NUL byte still gets httpd\'s 400, not 403',
      request => get_rej("Origin: $APP\0"), status => 400, cors => untouched() },

    # --- Odd request lines -----------------------------------------------------------------
    { name => 'an HTTP/1.0 request without Host from an allowed origin: allowed',
      request => "GET $DOC HTTP/1.0\r\nOrigin: $APP\r\n\r\n", status => 200, cors => allowed($APP) },
    refused_by_httpd('an HTTP/1.1 request without Host',
                     "GET $DOC HTTP/1.1\r\nOrigin: $APP\r\nConnection: close\r\n\r\n"),
    { name => 'an absolute-form request target from an allowed origin: allowed',
      request => "GET http://\@HOSTPORT\@$DOC HTTP/1.1\r\nHost: \@HOSTPORT\@\r\nOrigin: $APP\r\n"
                 . "Connection: close\r\n\r\n",
      status => 200, cors => allowed($APP) },
    { name => 'a HEAD from an allowed origin: allowed',
      request => request_to(HEAD => $DOC, "Origin: $APP"), status => 200, cors => allowed($APP) },
    { name => 'a lower-case method (get, unknown to httpd) from an allowed origin: 501 with the CORS headers',
      request => request_to(get => $DOC, "Origin: $APP"), status => 501, cors => allowed($APP) },
    { name => 'a lower-case options with Access-Control-Request-Method is no preflight: 501 with the CORS headers',
      request => request_to(options => $DOC, "Origin: $APP", 'Access-Control-Request-Method: PUT'),
      status => 501, cors => allowed($APP) },
    { name => 'OPTIONS * is outside every CORS location: no CORS header',
      request => request_to(OPTIONS => '*', "Origin: $APP", 'Access-Control-Request-Method: PUT'),
      status => 200, cors => untouched() },
    { name => 'a dot-segment URL into the location from an allowed origin: allowed',
      request => request_to(GET => '/hostile/x/../doc.txt', "Origin: $APP"), status => 200,
      cors => allowed($APP) },
    { name => 'a preflight asking for Private Network Access where it is off: no PNA header',
      request => options($APP, 'PUT', 'Access-Control-Request-Private-Network: true'), status => 204,
      cors => preflight($APP) },
);
