// A single-page app that uses Tessera through oidc-client-ts only, as a browser app
// on another origin would: every call to the IdP is a cross-origin fetch.
//
// index.html?authority=…&client_id=… remembers its settings and calls signinRedirect();
// callback.html completes the sign-in and walks the token lifecycle, writing what it
// saw as JSON into #report and "done" or "failed" into <body data-outcome>.
"use strict";

const SETTINGS_KEY = "test-spa.settings";

function userManager() {
  const stored = JSON.parse(sessionStorage.getItem(SETTINGS_KEY));
  return new oidc.UserManager({
    authority: stored.authority,
    client_id: stored.client_id,
    redirect_uri: `${location.origin}/callback.html`,
    response_type: "code",
    scope: "openid profile email offline_access",
    loadUserInfo: true, // the profile gets the UserInfo claims (name, email) too
    automaticSilentRenew: false,
  });
}

function startSignIn(query) {
  const settings = { authority: query.get("authority"), client_id: query.get("client_id") };
  sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  userManager().signinRedirect().catch((error) => {
    publish({ outcome: "failed", failed_step: "signinRedirect", error: describe(error) });
  });
}

async function finishSignIn() {
  const manager = userManager();
  const report = { outcome: "failed" };
  let step = "signinRedirectCallback";
  try {
    // Discovery, POST /token with the code and the PKCE verifier, then GET /userinfo.
    await manager.signinRedirectCallback();

    step = "getUser";
    const user = await manager.getUser();
    report.profile = user.profile;
    report.scope = user.scope;
    report.has_refresh_token = Boolean(user.refresh_token);

    step = "verifyIdToken";
    // oidc-client-ts checks the ID token's claims, not its signature: check it here
    // against the provider's JWKS, as fetched by the library.
    report.id_token_signature = await verifySignature(manager, user.id_token);

    step = "userinfo";
    const userinfo = await fetch(await manager.metadataService.getUserInfoEndpoint(), {
      headers: { Authorization: `Bearer ${user.access_token}` },
    });
    report.userinfo = { status: userinfo.status, claims: await userinfo.json() };

    step = "signinSilent";
    // With a refresh token, signinSilent() uses the refresh_token grant (no iframe).
    const refreshed = await manager.signinSilent();
    report.refresh = {
      new_access_token: refreshed.access_token !== user.access_token,
      new_refresh_token: refreshed.refresh_token !== user.refresh_token,
      sub: refreshed.profile.sub,
      access_token: refreshed.access_token,
      refresh_token: refreshed.refresh_token,
    };

    step = "revokeTokens";
    await manager.revokeTokens(["access_token", "refresh_token"]);
    report.revoked = { refresh_token_kept: (await manager.getUser()).refresh_token };
    report.outcome = "done";
  } catch (error) {
    report.failed_step = step;
    report.error = describe(error);
  }
  publish(report);
}

async function verifySignature(manager, jwt) {
  const [header64, payload64, signature64] = jwt.split(".");
  const header = JSON.parse(new TextDecoder().decode(fromBase64Url(header64)));
  const jwk = (await manager.metadataService.getSigningKeys()).find((key) => key.kid === header.kid);
  if (!jwk) {
    throw new Error(`the JWKS has no key ${header.kid}`);
  }
  const algorithms = {
    RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
    ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  };
  const [importAlgorithm, verifyAlgorithm] = algorithms[header.alg];
  const key = await crypto.subtle.importKey("jwk", jwk, importAlgorithm, false, ["verify"]);
  const valid = await crypto.subtle.verify(
    verifyAlgorithm,
    key,
    fromBase64Url(signature64),
    new TextEncoder().encode(`${header64}.${payload64}`),
  );
  return { alg: header.alg, kid: header.kid, valid };
}

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

function describe(error) {
  return `${error.name}: ${error.message}`;
}

function publish(report) {
  document.getElementById("report").textContent = JSON.stringify(report, null, 2);
  document.body.dataset.outcome = report.outcome;
}
