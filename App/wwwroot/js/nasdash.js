// The skip link: Blazor's router would only scroll to the fragment; the keyboard user needs the focus moved there.
document.addEventListener("click", function (event) {
    const link = event.target instanceof Element ? event.target.closest(".nd-skip-link") : null;
    const main = document.getElementById("main-content");
    if (link && main) {
        event.preventDefault();
        main.focus();
        main.scrollIntoView();
    }
}, true);

// Saves text produced by the circuit as a file, without any URL that could serve it again.
window.nasdash = {
    // A signed-in page reached inside a circuit that began before sign-in, whose document has only the trimmed
    // stylesheet: the whole one is added beside it (before app.css, which overrides it) and the trimmed one dropped once it applies.
    useFullStylesheet: function (href) {
        const trimmed = document.querySelector("link[data-nd-signin-styles]");
        if (!trimmed) {
            return;
        }
        const full = document.createElement("link");
        full.rel = "stylesheet";
        full.href = href;
        full.onload = () => trimmed.remove();
        trimmed.after(full);
    },
    downloadFromStream: async function (fileName, contentType, streamReference) {
        const buffer = await streamReference.arrayBuffer();
        const blob = new Blob([buffer], { type: contentType });
        const url = URL.createObjectURL(blob);
        const anchor = document.createElement("a");
        anchor.href = url;
        anchor.download = fileName;
        document.body.appendChild(anchor);
        anchor.click();
        anchor.remove();
        URL.revokeObjectURL(url);
        return true;
    },
    // The Clipboard API exists only in secure contexts; a NAS is often reached over plain http on the LAN.
    copyText: async function (text) {
        if (window.isSecureContext && navigator.clipboard) {
            await navigator.clipboard.writeText(text);
            return true;
        }
        const area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        try {
            return document.execCommand("copy");
        } finally {
            area.remove();
        }
    },
    print: function () { window.print(); },
    // A year, for every page of this appliance; read by the server before it renders, so the page never flashes.
    // css/theme.css keys the palette on this attribute; without it the browser's preference decides.
    chooseTheme: function (name, value) {
        document.documentElement.dataset.ndTheme = value;
        document.cookie = name + "=" + value + "; path=/; max-age=31536000; samesite=strict" + (window.isSecureContext && location.protocol === "https:" ? "; secure" : "");
    },
    prefersDark: function () {
        return window.matchMedia("(prefers-color-scheme: dark)").matches;
    },
    timeZone: function () {
        return { name: Intl.DateTimeFormat().resolvedOptions().timeZone || null, offsetMinutes: -new Date().getTimezoneOffset() };
    },
    // A circuit cannot set a cookie: it posts the sign-in ticket to the endpoint that can (TicketRedemption.razor).
    submitForm: function (form) { form.submit(); },
    // Idle timeout: only what a person does counts; the first event reports at once, then at most once per interval.
    watchActivity: function (dotNetRef, intervalMs) {
        window.nasdash.unwatchActivity();
        let last = -Infinity;
        const report = () => {
            const now = performance.now();
            if (now - last < intervalMs) {
                return;
            }
            last = now;
            dotNetRef.invokeMethodAsync("PersonActed")
                .then(() => { window.nasdash.activityReports = (window.nasdash.activityReports || 0) + 1; })
                .catch(() => { });
        };
        const types = ["keydown", "pointerdown", "wheel", "touchstart"];
        types.forEach(type => window.addEventListener(type, report, { capture: true, passive: true }));
        window.nasdash._activity = { dotNetRef, stop: () => types.forEach(type => window.removeEventListener(type, report, { capture: true })) };
    },
    unwatchActivity: function (dotNetRef) {
        const current = window.nasdash._activity;
        if (current && (!dotNetRef || current.dotNetRef === dotNetRef)) {
            current.stop();
            window.nasdash._activity = null;
        }
    }
};

// WebAuthn ceremonies for the circuit: options arrive as JSON with base64url binary fields, and the credential
// goes back the same way. Every failure (cancelled, timed out, no such key) is a result, never a thrown error.
window.nasdash.webauthn = (function () {
    const transports = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal"];

    function toBuffer(text) {
        const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
        const binary = atob(base64);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) {
            bytes[i] = binary.charCodeAt(i);
        }
        return bytes.buffer;
    }

    function toText(buffer) {
        if (!buffer) {
            return null;
        }
        const bytes = new Uint8Array(buffer);
        let binary = "";
        for (let i = 0; i < bytes.length; i++) {
            binary += String.fromCharCode(bytes[i]);
        }
        return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }

    // The server's JSON carries nulls for absent members; WebIDL dictionaries refuse null for enum members.
    function withoutNulls(value) {
        if (Array.isArray(value)) {
            return value.map(withoutNulls);
        }
        if (value !== null && typeof value === "object") {
            const copy = {};
            for (const [key, member] of Object.entries(value)) {
                if (member !== null) {
                    copy[key] = withoutNulls(member);
                }
            }
            return copy;
        }
        return value;
    }

    function descriptors(list) {
        return (list || []).map(d => Object.assign({}, d, { id: toBuffer(d.id) }));
    }

    function failure(error) {
        return { ok: false, json: null, error: (error && error.name) || String(error) };
    }

    return {
        support: function () {
            return {
                secureContext: window.isSecureContext === true,
                api: typeof window.PublicKeyCredential === "function" && !!navigator.credentials
            };
        },
        create: async function (optionsJson) {
            try {
                const options = withoutNulls(JSON.parse(optionsJson));
                options.challenge = toBuffer(options.challenge);
                options.user.id = toBuffer(options.user.id);
                options.excludeCredentials = descriptors(options.excludeCredentials);
                const credential = await navigator.credentials.create({ publicKey: options });
                const response = credential.response;
                const used = typeof response.getTransports === "function" ? response.getTransports() : [];
                return {
                    ok: true, error: null, json: JSON.stringify({
                        id: credential.id,
                        rawId: toText(credential.rawId),
                        type: credential.type,
                        response: {
                            attestationObject: toText(response.attestationObject),
                            clientDataJSON: toText(response.clientDataJSON),
                            transports: used.filter(t => transports.includes(t))
                        },
                        clientExtensionResults: credential.getClientExtensionResults()
                    })
                };
            } catch (error) {
                return failure(error);
            }
        },
        get: async function (optionsJson) {
            try {
                const options = withoutNulls(JSON.parse(optionsJson));
                options.challenge = toBuffer(options.challenge);
                options.allowCredentials = descriptors(options.allowCredentials);
                const credential = await navigator.credentials.get({ publicKey: options });
                const response = credential.response;
                return {
                    ok: true, error: null, json: JSON.stringify({
                        id: credential.id,
                        rawId: toText(credential.rawId),
                        type: credential.type,
                        response: {
                            authenticatorData: toText(response.authenticatorData),
                            clientDataJSON: toText(response.clientDataJSON),
                            signature: toText(response.signature),
                            userHandle: toText(response.userHandle)
                        },
                        clientExtensionResults: credential.getClientExtensionResults()
                    })
                };
            } catch (error) {
                return failure(error);
            }
        }
    };
})();
