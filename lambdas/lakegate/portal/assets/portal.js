/*
 * lakegate portal: the one script of the portal. No framework, no build step.
 *
 * Why it exists: the portal's pages (/portal/app/...) sit behind API Gateway's JWT authorizer, which
 * reads only the Authorization header. So this script signs in (POST /portal/signin, JSON), keeps the
 * Cognito ID token in sessionStorage (gone when the tab closes), and loads every page with
 * "Authorization: Bearer <token>", putting the server-rendered <header> and <main> of the answer in
 * place of the current ones. It:
 *   - handles the sign-in form and, on a first sign-in, the new-password form;
 *   - follows clicks on links to /portal/app/ and submits forms whose action is under /portal/app/
 *     (url-encoded, with the pressed button's name and value), keeping the address bar in step with
 *     history.pushState as /portal?view=<page>, so reload and Back work (popstate);
 *   - reloads the page every N seconds while its <main> says data-refresh="N";
 *   - returns to the sign-in page on 401 (no token, or an expired one), and on "Sign out".
 * Links and buttons are real elements, so Tab, Enter and Space work as usual.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "lakegate.portal.idToken";
  var SIGN_IN = "/portal";
  var APP = "/portal/app/";
  var HOME = APP + "catalog";
  var refreshTimer = null;
  var loads = 0; // how many page loads were started: only the latest one's answer is shown
  var challenge = null; // {username, session} while Cognito asks for a new password; memory only

  function token() {
    return window.sessionStorage.getItem(TOKEN_KEY);
  }

  function signOut() {
    window.sessionStorage.removeItem(TOKEN_KEY);
    window.location.assign(SIGN_IN);
  }

  /* The page to show, from the address bar: /portal?view=/portal/app/... */
  function requestedView() {
    var view = new URLSearchParams(window.location.search).get("view");
    return view && view.indexOf(APP) === 0 ? view : null;
  }

  function addressOf(view) {
    return SIGN_IN + "?view=" + encodeURIComponent(view);
  }

  /* Fetch a portal page with the token and show it. options: method, body, history ("push",
     "replace" or "none"), refresh (a background refresh: keep focus, and on failure keep the page).
     Only the latest load is shown: an older answer arriving late is dropped. */
  function load(view, options) {
    options = options || {};
    loads += 1;
    var ticket = loads;
    if (!options.refresh) {
      window.clearTimeout(refreshTimer);
    }
    var headers = { Authorization: "Bearer " + token() };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    function failed(message) {
      if (ticket !== loads) {
        return;
      }
      if (options.refresh) {
        scheduleRefresh(view); // try again at the next refresh; the page stays as it is
      } else {
        showProblem(message);
      }
    }
    return window
      .fetch(view, {
        method: options.method || "GET",
        headers: headers,
        body: options.body,
        credentials: "same-origin",
        cache: "no-store",
      })
      .then(function (response) {
        if (response.status === 401) {
          signOut();
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        var shown = response.headers.get("X-Portal-Location") || view;
        return response.text().then(function (text) {
          if (type.indexOf("text/html") !== 0) {
            failed("The portal could not show this page (HTTP " + response.status + "). Try again.");
            return;
          }
          if (ticket !== loads) {
            return;
          }
          remember(shown, options.history || "push");
          show(text, shown, options.refresh);
        });
      })
      .catch(function () {
        failed("The portal could not be reached. Check your connection and try again.");
      });
  }

  function remember(view, how) {
    var state = { view: view };
    if (how === "push") {
      window.history.pushState(state, "", addressOf(view));
    } else if (how === "replace") {
      window.history.replaceState(state, "", addressOf(view));
    }
  }

  /* Put the answer's <header>, <main> and title in place of the current ones; ``view`` is its page. */
  function show(html, view, isRefresh) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    if (!main) {
      showProblem("The portal sent a page it cannot show. Try again.");
      return;
    }
    var focusedHref = isRefresh ? focusedLink() : null;
    var header = page.querySelector("body > header");
    var oldHeader = document.querySelector("body > header");
    if (header && oldHeader) {
      oldHeader.replaceWith(document.importNode(header, true));
    }
    document.querySelector("main").replaceWith(document.importNode(main, true));
    document.title = page.title;
    var shown = document.querySelector("main");
    if (isRefresh) {
      restoreFocus(focusedHref);
    } else {
      window.scrollTo(0, 0);
      var target = shown.querySelector(".error-summary a") || shown;
      target.focus();
    }
    scheduleRefresh(view);
  }

  function focusedLink() {
    var active = document.activeElement;
    return active && active.tagName === "A" && active.closest("main") ? active.getAttribute("href") : null;
  }

  function restoreFocus(href) {
    if (!href) {
      return;
    }
    var links = document.querySelectorAll("main a");
    for (var i = 0; i < links.length; i += 1) {
      if (links[i].getAttribute("href") === href) {
        links[i].focus();
        return;
      }
    }
  }

  /* <main data-refresh="N">: show ``view`` again in N seconds (no history entry, focus kept), unless
     another page is shown meanwhile (each page shown cancels the previous timer). */
  function scheduleRefresh(view) {
    window.clearTimeout(refreshTimer);
    var main = document.querySelector("main");
    var seconds = main ? parseInt(main.getAttribute("data-refresh") || "", 10) : NaN;
    if (seconds > 0 && view) {
      refreshTimer = window.setTimeout(function () {
        load(view, { history: "none", refresh: true });
      }, seconds * 1000);
    }
  }

  /* A message in place of the page, built from text (never HTML). */
  function showProblem(message) {
    var main = document.querySelector("main");
    var heading = document.createElement("h1");
    heading.textContent = "Something went wrong";
    var text = document.createElement("p");
    text.setAttribute("role", "alert");
    text.textContent = message;
    main.replaceChildren(heading, text);
    main.removeAttribute("data-refresh");
    main.focus();
  }

  /* Sign-in page: an error next to the forms (role="alert" announces it). */
  function signInMessage(message) {
    var box = document.getElementById("portal-message");
    if (box) {
      box.textContent = message;
      box.hidden = !message;
    }
  }

  function postJson(url, document_) {
    return window
      .fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(document_),
        credentials: "same-origin",
        cache: "no-store",
      })
      .then(function (response) {
        return response.json().then(
          function (answer) {
            return { status: response.status, answer: answer };
          },
          function () {
            return { status: response.status, answer: {} };
          }
        );
      });
  }

  /* What /portal/signin and /portal/signin/new-password answered. */
  function signedIn(username, result) {
    var answer = result.answer;
    if (result.status === 200 && answer.id_token) {
      challenge = null;
      window.sessionStorage.setItem(TOKEN_KEY, answer.id_token);
      load(requestedView() || HOME, { history: "replace" });
      return;
    }
    if (result.status === 200 && answer.challenge === "NEW_PASSWORD_REQUIRED") {
      challenge = { username: username, session: answer.session };
      document.getElementById("sign-in-form").hidden = true;
      var form = document.getElementById("new-password-form");
      form.hidden = false;
      signInMessage("");
      document.getElementById("new-password").focus();
      return;
    }
    signInMessage(answer.error || "Sign-in is not possible just now (HTTP " + result.status + ").");
  }

  function submitSignIn(form) {
    var username = form.elements.username.value;
    signInMessage("");
    postJson(SIGN_IN + "/signin", { username: username, password: form.elements.password.value })
      .then(function (result) {
        form.elements.password.value = "";
        signedIn(username, result);
      })
      .catch(function () {
        signInMessage("The portal could not be reached. Check your connection and try again.");
      });
  }

  function submitNewPassword(form) {
    if (!challenge) {
      signOut();
      return;
    }
    var username = challenge.username;
    postJson(SIGN_IN + "/signin/new-password", {
      username: username,
      session: challenge.session,
      new_password: form.elements.new_password.value,
    })
      .then(function (result) {
        form.elements.new_password.value = "";
        signedIn(username, result);
      })
      .catch(function () {
        signInMessage("The portal could not be reached. Check your connection and try again.");
      });
  }

  function isAppUrl(url) {
    return url.origin === window.location.origin && url.pathname.indexOf(APP) === 0;
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.target.closest("[data-portal-sign-out]")) {
      event.preventDefault();
      signOut();
      return;
    }
    var anchor = event.target.closest("a[href]");
    if (!anchor || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var url = new URL(anchor.href, window.location.href);
    if (isAppUrl(url)) {
      event.preventDefault();
      load(url.pathname + url.search);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-portal-sign-in")) {
      event.preventDefault();
      submitSignIn(form);
      return;
    }
    if (form.hasAttribute("data-portal-new-password")) {
      event.preventDefault();
      submitNewPassword(form);
      return;
    }
    var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    if (!isAppUrl(url)) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    var button = event.submitter;
    if (button && button.name) {
      data.append(button.name, button.value);
    }
    var body = new URLSearchParams(data).toString();
    if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
      // One press sends one form: the buttons wait until the answer replaces the page.
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (each) {
        each.disabled = true;
      });
      form.setAttribute("aria-busy", "true");
      load(url.pathname, { method: "POST", body: body }).then(function () {
        buttons.forEach(function (each) {
          each.disabled = false;
        });
        form.removeAttribute("aria-busy");
      });
    } else {
      load(url.pathname + (body ? "?" + body : ""));
    }
  });

  window.addEventListener("popstate", function (event) {
    // A fragment link (the skip link) also fires popstate, without a state: nothing to load then.
    if (event.state && event.state.view) {
      load(event.state.view, { history: "none" });
    }
  });

  // On the sign-in page with a token still in this tab: show the page asked for (or the catalog).
  if (token() && document.querySelector("[data-portal-sign-in]")) {
    load(requestedView() || HOME, { history: "replace" });
  }
})();
