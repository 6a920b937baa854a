// What the page gets from fetch(): the status, the headers it may read
// (the safelisted ones and those in Access-Control-Expose-Headers) and the
// body; or the TypeError of a call the browser blocked.
async function call(url, init) {
  try {
    const response = await fetch(url, init);
    return {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers].map(([name, value]) => name + ": " + value),
      body: await response.text(),
    };
  } catch (error) {
    return { error: String(error) };
  }
}
