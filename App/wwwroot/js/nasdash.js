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
    // A circuit cannot set a cookie: it posts the sign-in ticket to the endpoint that can (TicketRedemption.razor).
    submitForm: function (form) { form.submit(); }
};
