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
    copyText: async function (text) {
        await navigator.clipboard.writeText(text);
        return true;
    },
    print: function () { window.print(); }
};
