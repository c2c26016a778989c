// Drives the reconnect dialog of App.razor (Blazor's "components-reconnect-state-changed" event, .NET 9+).
(() => {
    const modal = document.getElementById("components-reconnect-modal");
    if (!modal) {
        return;
    }

    const retryWhenVisible = async () => {
        if (document.visibilityState === "visible") {
            await retry();
        }
    };

    async function retry() {
        document.removeEventListener("visibilitychange", retryWhenVisible);
        try {
            // false: the server answered but no longer has this circuit.
            if (!await Blazor.reconnect() && !await Blazor.resumeCircuit()) {
                location.reload();
            }
        } catch {
            document.addEventListener("visibilitychange", retryWhenVisible);
        }
    }

    async function resume() {
        try {
            if (!await Blazor.resumeCircuit()) {
                location.reload();
            }
        } catch {
            location.reload();
        }
    }

    modal.addEventListener("components-reconnect-state-changed", event => {
        switch (event.detail.state) {
            case "show":
                if (!modal.open) {
                    modal.showModal();
                }
                break;
            case "hide":
                modal.close();
                break;
            case "failed":
                document.addEventListener("visibilitychange", retryWhenVisible);
                break;
            case "rejected":
                location.reload();
                break;
        }
    });
    document.getElementById("components-reconnect-button").addEventListener("click", retry);
    document.getElementById("components-resume-button").addEventListener("click", resume);
})();
