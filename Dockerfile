# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# The same publish command as README.md documents.
RUN dotnet publish App/App.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system nasdash && useradd --system --gid nasdash --home-dir /data --shell /usr/sbin/nologin nasdash \
    && mkdir -p /data && chown nasdash:nasdash /data && chmod 0700 /data
COPY --from=build /app /app
RUN printf '#!/bin/sh\nexec dotnet /app/NasDash.dll "$@"\n' > /usr/local/bin/nasdash && chmod 0755 /usr/local/bin/nasdash
# HTTPS only: the session cookie is Secure. A self-signed certificate is created in /data on the first start.
ENV ASPNETCORE_URLS=https://+:8443 \
    NasDash__DataDirectory=/data \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/data"]
EXPOSE 8443
USER nasdash
WORKDIR /app
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD curl -fsSk https://127.0.0.1:8443/healthz || exit 1
ENTRYPOINT ["nasdash"]
