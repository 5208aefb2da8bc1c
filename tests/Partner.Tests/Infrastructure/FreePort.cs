using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace Partner.Tests.Infrastructure;

internal static class FreePort
{
    private const int ReservedPort = 8080;
    private const int MaxAttempts = 500;

    private static readonly HashSet<int> Issued = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            int port;
            listener.Start();
            try
            {
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            finally
            {
                listener.Stop();
            }

            if (port == ReservedPort)
            {
                continue;
            }

            lock (Gate)
            {
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"Could not find an unused TCP port on 127.0.0.1 after {MaxAttempts} attempts.");
    }
}
