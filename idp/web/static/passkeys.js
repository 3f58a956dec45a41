// Passkeys (WebAuthn Level 3) on Tessera's pages: the login page (a button, and
// conditional UI on the username field), the second factor's page, and the account
// page (adding one). The server makes the options and checks the answer
// (idp/authn/routes/passkeys.py); this only carries them between it and
// navigator.credentials, as JSON with base64url-encoded bytes (WebAuthn L3 §5.1.4).
(function () {
  "use strict";
  var box = document.getElementById("passkey");
  if (!box || !window.PublicKeyCredential || !navigator.credentials) { return; }
  var ceremony = box.dataset.ceremony;
  var path = box.dataset.path;
  var start = document.getElementById("passkey-start");
  var errorText = document.getElementById("passkey-error");
  var conditional = null; // the AbortController of a pending conditional request

  function bytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var text = atob(base64 + "===".slice((base64.length + 3) % 4));
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) { out[i] = text.charCodeAt(i); }
    return out.buffer;
  }

  function base64url(buffer) {
    var view = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < view.length; i += 1) { text += String.fromCharCode(view[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: bytes(item.id), transports: item.transports };
    });
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = bytes(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = bytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: bytes(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: base64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: base64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = base64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = base64url(response.authenticatorData);
      json.response.signature = base64url(response.signature);
      if (response.userHandle) { json.response.userHandle = base64url(response.userHandle); }
    }
    return json;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          throw new Error(json.error_description || "The passkey could not be used.");
        }
        return json;
      });
    });
  }

  function show(message) {
    errorText.textContent = message;
    errorText.hidden = false;
  }

  function signIn(mediation) {
    return post(path + "/options").then(function (json) {
      var options = { publicKey: requestOptions(json.publicKey) };
      if (mediation) {
        conditional = new AbortController();
        options.mediation = mediation;
        options.signal = conditional.signal;
      }
      return navigator.credentials.get(options).catch(function (error) {
        // Conditional mediation is offered, not asked for: when the browser cannot do it
        // here (or the user gave up), the page stays as it is, with no message.
        if (mediation) { return null; }
        throw error;
      });
    }).then(function (credential) {
      if (!credential) { return null; }
      return post(path, credentialJSON(credential)).then(function (json) {
        window.location.assign(json.location);
      });
    });
  }

  function register() {
    var name = document.getElementById("passkey-name").value;
    return post(path + "/options").then(function (json) {
      return navigator.credentials.create({ publicKey: creationOptions(json.publicKey) });
    }).then(function (credential) {
      return post(path, { name: name, credential: credentialJSON(credential) });
    }).then(function () {
      window.location.assign(path);
    });
  }

  function failed(error) {
    if (error && error.name === "AbortError") { return; } // a conditional request given up
    show(error && error.name === "NotAllowedError"
      ? "The passkey request was cancelled or timed out. Try again."
      : (error && error.message) || "The passkey could not be used.");
  }

  box.hidden = false;
  start.addEventListener("click", function () {
    errorText.hidden = true;
    if (conditional) { conditional.abort(); conditional = null; }
    (ceremony === "register" ? register() : signIn(null)).catch(failed);
  });

  // WebAuthn L3 §5.1.4.1 conditional mediation: the browser offers the user's passkeys
  // in the username field's autofill (autocomplete="username webauthn").
  if (ceremony === "sign-in" && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (available) { signIn("conditional").catch(failed); }
    });
  }
})();
