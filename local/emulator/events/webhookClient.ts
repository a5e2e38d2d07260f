/**
 * The outgoing HTTP side of event delivery: one POST (or OPTIONS for the CloudEvents handshake) to a webhook over
 * http or https, with a timeout, tracked so that closing the emulator aborts whatever is still in flight.
 */
import http from 'node:http';
import https from 'node:https';

export interface WebhookResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface WebhookRequest {
  method: 'POST' | 'OPTIONS';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export class WebhookClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;

  send(request: WebhookRequest): Promise<WebhookResponse> {
    if (this.closed) return Promise.reject(new Error('the emulator is shutting down'));
    const url = new URL(request.url);
    const isHttps = url.protocol === 'https:';
    const transport = isHttps ? https : http;
    const body = request.body ?? '';
    return new Promise<WebhookResponse>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: request.method,
          agent: isHttps ? this.httpsAgent : this.httpAgent,
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            this.inFlight.delete(req);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err) => {
            this.inFlight.delete(req);
            reject(err);
          });
        },
      );
      this.inFlight.add(req);
      req.setTimeout(request.timeoutMs, () => req.destroy(new TimeoutError(`no response within ${request.timeoutMs} ms`)));
      req.on('error', (err) => {
        this.inFlight.delete(req);
        reject(err);
      });
      req.end(body);
    });
  }

  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy(new Error('the emulator is shutting down'));
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}
