// Saves text produced by the circuit as a file, without any URL that could serve it again.
window.nasdash = {
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
