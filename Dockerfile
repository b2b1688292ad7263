# Build: docker build -t kvsgateway .
# Run:   docker run -p 8080:8080 -p 127.0.0.1:9090:9090 -e Redis__Configuration=redis:6379 -e Origin__Mode=Aws -e Origin__Region=us-east-1 \
#          -e Tokens__ActiveKeyId=k1 -e Tokens__Keys__k1=<64 random bytes, base64> kvsgateway
# Outside Development the gateway refuses an embedded Redis or emulator unless Gateway__AllowEmbeddedDependencies=true.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig KvsGateway.sln appsettings.json appsettings.Development.json ./
COPY src/ src/
# The Development demo stream's sample is linked into the gateway's output from the fixtures; the
# build fetches the demo page's pinned dash.js from the npm registry (sha512-checked).
COPY tests/fixtures/h264.mkv tests/fixtures/h264.mkv
RUN dotnet publish src/KvsGateway/KvsGateway.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# Listen on all interfaces inside the container (the defaults bind loopback only): 8080 is the public
# KVS API and playback, 9090 the management listener (/metrics, /readyz, /admin) for the operator's
# network only. Keep the embedded emulator's data and the usage journal and spool on a volume the
# non-root user owns.
ENV Urls=http://0.0.0.0:8080 \
    Gateway__ManagementUrls=http://0.0.0.0:9090 \
    Origin__EmbeddedDataPath=/data/emulator \
    Metering__Path=/data/metering
RUN mkdir -p /data/emulator /data/metering && chown -R app:app /data
VOLUME /data
USER app
EXPOSE 8080 9090
ENTRYPOINT ["dotnet", "KvsGateway.dll"]
