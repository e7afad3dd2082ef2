/**
 * What a person's browser does during an OAuth sign-in, for tests: follows the authorization URL's redirects
 * with a cookie jar, fills in the sign-in form of the local OpenID provider (cli/local-issuer.ts), and stops at
 * the client's redirect URI, returning the URL the provider sent it to (with `code` or `error`).
 */
export async function signInWithBrowser(
  authorizationUrl: URL,
  credentials: { login: string; password: string },
  redirectUri: string,
): Promise<URL> {
  const cookies = new Map<string, string>();
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
    }
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(redirectUri)) return url;
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() },
    });
    remember(response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      init = {};
      continue;
    }
    const html = await response.text();
    const form = /<form method="post" action="([^"]+)"/.exec(html);
    if (response.status !== 200 || !form)
      throw new Error(
        `the sign-in stopped at ${url.pathname} with ${response.status}: ${html.slice(0, 300)}`,
      );
    url = new URL(form[1]!, url);
    init = {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(credentials).toString(),
    };
  }
  throw new Error("the sign-in took more than 20 steps");
}
