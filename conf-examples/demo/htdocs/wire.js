// The "On the wire" view: what the API's server logged for one call.
//
// The page cannot see a preflight, nor the answer to a call the browser
// blocked.  The server can: each call carries a unique id in its URL
// (?call=...), and /wire?call=... (demo/cgi-bin/wire.pl, on this page's own
// origin) returns the log lines that name it, as
//   { requests: [{ method, url, status, cors_result,
//                  request: [[name, value], ...],    CORS request headers
//                  response: [[name, value], ...],   CORS response headers
//                  reason }] }                        mod_cors's error log
// showWire() renders them, with a sentence that says what each one means.

async function fetchWire(id) {
  try {
    const response = await fetch("/wire?call=" + encodeURIComponent(id));
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    return await response.json();
  } catch (error) {
    return { error: "Could not read the server's log (" + error.message +
                    "): the wire view needs the demo's httpd (run-demo.sh)." };
  }
}

function headerValue(headers, name) {
  const found = headers.find(([n]) => n.toLowerCase() === name.toLowerCase());
  return found ? found[1] : null;
}

// A line of the wire: element("div", "header", "Origin: ...").
function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

// What a request and mod_cors's answer mean, in a sentence.  "page" is
// what fetch() gave the page: { error } when the browser blocked the call.
function explain(request, page) {
  const asked = request.method === "OPTIONS"
    ? headerValue(request.request, "Access-Control-Request-Method") : null;
  const askedHeaders = asked
    ? headerValue(request.request, "Access-Control-Request-Headers") : null;
  const origin = headerValue(request.request, "Origin");
  const allowMethods = headerValue(request.response, "Access-Control-Allow-Methods");
  const allowHeaders = headerValue(request.response, "Access-Control-Allow-Headers");
  const credentials = headerValue(request.response, "Access-Control-Allow-Credentials");
  // mod_cors's error log names what it did not allow, e.g.
  // "request header 'x-debug' is not in CORSAllowHeaders".
  const named = /'([^']*)'/.exec(request.reason || "");

  switch (request.cors_result) {
  case "allowed":
    return "allowed \u2014 the origin is in CORSAllowOrigin, so mod_cors answered " +
      "Access-Control-Allow-Origin" + (page.error ? "." : ": the page may read the answer.") +
      (headerValue(request.request, "Cookie") && credentials
        ? " The request carried a cookie: without Access-Control-Allow-Credentials: true the browser would hide this answer."
        : "");
  case "preflight":
    return "preflight \u2014 allowed: " + asked +
      (askedHeaders ? " with the header(s) " + askedHeaders : "") +
      " is allowed, so the browser went on to send the " + asked + ".";
  case "denied:origin":
    return "denied:origin \u2014 " + origin + " is not in CORSAllowOrigin, so mod_cors " +
      "sent no Access-Control-Allow-Origin. " +
      (asked ? "The browser refused the call and never sent the " + asked + "."
             : "The API did answer (" + request.status + "), but the browser " +
               "hid the answer from the page.");
  case "denied:headers":
    return "denied:headers \u2014 the preflight asked for " +
      (named ? named[1] : askedHeaders) + ", which CORSAllowHeaders does not list" +
      (allowHeaders ? " (it allows " + allowHeaders + ")" : "") +
      "; the browser refused the call and never sent the " + asked + ".";
  case "denied:method":
    return "denied:method \u2014 the preflight asked for " + asked +
      ", which CORSAllowMethods does not list" +
      (allowMethods ? " (it allows " + allowMethods + ")" : "") +
      "; the browser refused the call and never sent the " + asked + ".";
  case "denied:malformed":
    return "denied:malformed \u2014 the Origin header is not scheme://host[:port].";
  default:
    return "No Origin header: not a cross-origin call, mod_cors left it alone.";
  }
}

function showWire(container, wire, page) {
  container.replaceChildren();
  if (wire.error) {
    container.append(element("div", "never", wire.error));
    return;
  }
  if (wire.requests.length === 0) {
    container.append(element("div", "never",
      "Nothing reached the API: the browser did not send any request."));
    return;
  }
  for (const request of wire.requests) {
    const box = element("div", "request");
    const preflight = request.method === "OPTIONS" &&
      headerValue(request.request, "Access-Control-Request-Method");
    const out = element("div", "out");
    out.append(element("span", "arrow", "\u2192 "), request.method + " " + request.url +
               (preflight ? "   (preflight)" : ""));
    box.append(out);
    for (const [name, value] of request.request) {
      box.append(element("div", "header", name + ": " + value));
    }
    const status = element("div", "in");
    status.append(element("span", "arrow", "\u2190 "), request.status + "  ");
    const denied = String(request.cors_result).startsWith("denied");
    status.append(element("span", "result " + (denied ? "denied" : "ok"),
                          "CORS_RESULT=" + (request.cors_result || "(none)")));
    box.append(status);
    if (request.response.length === 0) {
      box.append(element("div", "header", "(no Access-Control-* header)"));
    }
    for (const [name, value] of request.response) {
      box.append(element("div", "header", name + ": " + value));
    }
    if (request.reason) {
      box.append(element("div", "log", "error log: " + request.reason));
    }
    box.append(element("div", "reason" + (denied ? " denied" : ""),
                       explain(request, page)));
    container.append(box);
  }
}
