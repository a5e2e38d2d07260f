/**
 * Faults on demand. Request faults (429 + Retry-After, 5xx, added latency, a concurrent writer that changes a
 * resource right after a client read it) are matched by service, method and path glob; delivery faults (duplicate
 * and out-of-order delivery) by event subscription. Each fault fires with a probability drawn from its own seeded
 * generator, or for a count of matches, so a test knows exactly which request meets it.
 */
import { hashString, seededRandom } from './rng';
import type { Random } from './rng';

export type RequestFaultKind = 'throttle' | 'error' | 'latency' | 'concurrentWriter';
export type DeliveryFaultKind = 'duplicateDelivery' | 'outOfOrderDelivery';
export type FaultKind = RequestFaultKind | DeliveryFaultKind;

export interface FaultSpec {
  /** Assigned when missing (`fault-1`, ...). */
  id?: string;
  kind: FaultKind;
  /** Request faults: which listener. Default `arm`. */
  service?: 'arm' | 'keyvault';
  /** Request faults: HTTP method, or `*`. Default `*` (`GET` for concurrentWriter). */
  method?: string;
  /** Request faults: path glob; `*` is one segment, `**` any number. Case-insensitive. Default `**`. */
  path?: string;
  /** Chance (0..1) that a matching request or delivery meets the fault. Default 1. */
  probability?: number;
  /** Fire at most this many times, then stay inactive. Default: unlimited. */
  count?: number;
  /** Let the first N matches through untouched. Default 0. */
  skip?: number;
  /** throttle: the Retry-After seconds (default 1); error: optional Retry-After. */
  retryAfterSeconds?: number;
  /** error: status 500..599 (default 500). */
  status?: number;
  /** latency: milliseconds added before the request is handled. */
  latencyMs?: number;
  /** concurrentWriter: rule properties (or `{tags}` for an NSG) the writer changes; default: a no-op rewrite. */
  change?: Record<string, unknown>;
  /** concurrentWriter: identity handle the write is attributed to (default a built-in "concurrent writer" user). */
  actor?: string;
  /** Delivery faults: only this event subscription (default: all). */
  subscription?: string;
  /** Delivery faults: only batches containing this event type (default: all). */
  eventType?: string;
}

export interface FaultStatus extends FaultSpec {
  id: string;
  /** Matching requests or deliveries seen (after `skip`). */
  matched: number;
  fired: number;
  exhausted: boolean;
}

interface ActiveFault {
  status: FaultStatus;
  pattern: RegExp;
  random: Random;
}

export interface RequestFaultPlan {
  latencyMs: number;
  /** A throttle or error fault that answers the request instead of the service. */
  respond?: FaultStatus;
  /** concurrentWriter faults to run after the request succeeded. */
  concurrentWriters: FaultStatus[];
}

const REQUEST_KINDS: readonly string[] = ['throttle', 'error', 'latency', 'concurrentWriter'];

export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly seed: number) {}

  add(spec: FaultSpec): FaultStatus {
    const id = spec.id ?? `fault-${this.nextId}`;
    this.nextId += 1;
    if (this.faults.some((f) => f.status.id === id)) throw new Error(`a fault with id "${id}" already exists`);
    const method = (spec.method ?? (spec.kind === 'concurrentWriter' ? 'GET' : '*')).toUpperCase();
    const status: FaultStatus = { ...spec, id, method, matched: 0, fired: 0, exhausted: false };
    if (REQUEST_KINDS.includes(spec.kind)) {
      status.service = spec.service ?? 'arm';
      status.path = spec.path ?? '**';
    }
    this.faults.push({ status, pattern: globToRegExp(status.path ?? '**'), random: seededRandom(this.seed ^ hashString(id)) });
    return status;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.status.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultStatus[] {
    return this.faults.map((f) => ({ ...f.status }));
  }

  /** Decides, for one request, which request faults it meets. Every matching fault draws once. */
  planRequest(service: 'arm' | 'keyvault', method: string, path: string): RequestFaultPlan {
    const plan: RequestFaultPlan = { latencyMs: 0, concurrentWriters: [] };
    if (this.faults.length === 0) return plan;
    for (const fault of this.faults) {
      const s = fault.status;
      if (!REQUEST_KINDS.includes(s.kind) || s.service !== service) continue;
      if (s.method !== '*' && s.method !== method.toUpperCase()) continue;
      if (!fault.pattern.test(path)) continue;
      if (!this.fires(fault)) continue;
      if (s.kind === 'latency') plan.latencyMs += s.latencyMs ?? 0;
      else if (s.kind === 'concurrentWriter') plan.concurrentWriters.push(s);
      else if (plan.respond === undefined) plan.respond = s;
    }
    return plan;
  }

  /** Whether a delivery of a batch to `subscription` meets a fault of `kind`. */
  deliveryFault(kind: DeliveryFaultKind, subscription: string, eventTypes: readonly string[]): boolean {
    let hit = false;
    for (const fault of this.faults) {
      const s = fault.status;
      if (s.kind !== kind) continue;
      if (s.subscription !== undefined && s.subscription.toLowerCase() !== subscription.toLowerCase()) continue;
      if (s.eventType !== undefined && !eventTypes.some((t) => t.toLowerCase() === s.eventType!.toLowerCase())) continue;
      if (this.fires(fault)) hit = true;
    }
    return hit;
  }

  private fires(fault: ActiveFault): boolean {
    const s = fault.status;
    if (s.exhausted) return false;
    s.matched += 1;
    if (s.matched <= (s.skip ?? 0)) return false;
    if (fault.random() >= (s.probability ?? 1)) return false;
    s.fired += 1;
    if (s.count !== undefined && s.fired >= s.count) s.exhausted = true;
    return true;
  }
}

/** `*` matches within one path segment, `**` across segments; everything else literally, case-insensitively. */
export function globToRegExp(glob: string): RegExp {
  const normalized = glob.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < normalized.length; i += 1) {
    const ch = normalized[i]!;
    if (ch === '*') {
      if (normalized[i + 1] === '*') {
        source += '.*';
        i += 1;
      } else {
        source += '[^/]*';
      }
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'i');
}
