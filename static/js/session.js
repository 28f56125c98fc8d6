/* Signed-in visitors are warned two minutes before their session ends, and may stay signed in with one click
   (WCAG 2.2.1, RGAA 13.1). The server says how long is left (core.logins.session_status); asking does not count as
   activity, so a page left open does not keep the session alive by itself. Loaded on the public pages of signed-in
   visitors and in Wagtail's admin; no inline script (strict CSP). */
(function () {
    "use strict";
    var script = document.currentScript;
    if (!script) {
        return;
    }
    var statusUrl = script.dataset.statusUrl;
    var extendUrl = script.dataset.extendUrl;
    var signInUrl = script.dataset.signInUrl;
    var WARN_BEFORE = 120; // seconds
    var timer = null;
    var dialog = null;

    function ask(method, url, csrfToken) {
        var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
        if (csrfToken) {
            options.headers["X-CSRFToken"] = csrfToken;
        }
        return fetch(url, options).then(function (response) {
            return response.json();
        });
    }

    function schedule(state) {
        window.clearTimeout(timer);
        if (!state || state.ends_in <= 0) {
            return;
        }
        var wait = Math.max(state.ends_in - WARN_BEFORE, 0);
        timer = window.setTimeout(check, wait * 1000);
    }

    function check() {
        // Another tab may have kept the session alive meanwhile: ask again before warning.
        ask("GET", statusUrl).then(function (state) {
            if (state.ends_in > WARN_BEFORE + 5) {
                hide();
                schedule(state);
            } else if (state.ends_in > 0) {
                warn(state);
                timer = window.setTimeout(check, Math.max(state.ends_in, 1) * 1000);
            } else {
                expired();
            }
        }).catch(function () {
            timer = window.setTimeout(check, 30000);
        });
    }

    function build() {
        dialog = document.createElement("div");
        dialog.className = "session-warning";
        dialog.setAttribute("role", "alertdialog");
        dialog.setAttribute("aria-modal", "true");
        dialog.setAttribute("aria-labelledby", "session-warning-title");
        dialog.setAttribute("aria-describedby", "session-warning-text");
        var title = document.createElement("p");
        title.id = "session-warning-title";
        title.className = "session-warning__title";
        title.textContent = "Votre session va se terminer";
        var text = document.createElement("p");
        text.id = "session-warning-text";
        var actions = document.createElement("p");
        actions.className = "session-warning__actions";
        dialog.appendChild(title);
        dialog.appendChild(text);
        dialog.appendChild(actions);
        dialog.addEventListener("keydown", function (event) {
            if (event.key === "Escape") {
                hide();
            } else if (event.key === "Tab") {
                // A modal dialog: the keyboard stays in it until it is answered or closed.
                var stops = dialog.querySelectorAll("button, a[href]");
                var first = stops[0];
                var last = stops[stops.length - 1];
                if (event.shiftKey && document.activeElement === first) {
                    event.preventDefault();
                    last.focus();
                } else if (!event.shiftKey && document.activeElement === last) {
                    event.preventDefault();
                    first.focus();
                }
            }
        });
        document.body.insertBefore(dialog, document.body.firstChild);
    }

    function button(label, action) {
        var element = document.createElement("button");
        element.type = "button";
        element.className = "button";
        element.textContent = label;
        element.addEventListener("click", action);
        return element;
    }

    function show(message, actions) {
        if (!dialog) {
            build();
        }
        var returnTo = document.activeElement;
        dialog.querySelector("#session-warning-text").textContent = message;
        var place = dialog.querySelector(".session-warning__actions");
        place.replaceChildren.apply(place, actions);
        dialog.hidden = false;
        if (actions.length) {
            actions[0].focus();
            dialog.returnTo = returnTo;
        }
    }

    function hide() {
        if (dialog && !dialog.hidden) {
            dialog.hidden = true;
            if (dialog.returnTo && document.body.contains(dialog.returnTo)) {
                dialog.returnTo.focus();
            }
        }
    }

    function warn(state) {
        var minutes = Math.max(Math.round(state.ends_in / 60), 1);
        var when = minutes === 1 ? "dans 1 minute" : "dans " + minutes + " minutes";
        if (state.can_extend) {
            show("Sans action de votre part, vous serez déconnecté " + when + ".", [
                button("Rester connecté", function () {
                    ask("POST", extendUrl, state.csrf_token).then(function (next) {
                        hide();
                        schedule(next);
                    });
                }),
                button("Fermer", hide),
            ]);
        } else {
            show("Votre session se termine " + when + " et ne peut plus être prolongée : enregistrez votre travail, "
                + "puis reconnectez-vous.", [button("Fermer", hide)]);
        }
    }

    function expired() {
        window.clearTimeout(timer);
        var link = document.createElement("a");
        link.href = signInUrl + "?next=" + encodeURIComponent(window.location.pathname);
        link.textContent = "Se reconnecter";
        show("Votre session a expiré : reconnectez-vous pour continuer.", [link]);
        dialog.querySelector(".session-warning__title").textContent = "Session expirée";
    }

    ask("GET", statusUrl).then(schedule).catch(function () {});
})();
