/**
 * Where every emitted event goes: a bounded log (the admin API and tests read it) and the delivery service that
 * fans it out to matching webhook subscriptions.
 */
import type { DeliveryService } from './delivery';
import type { EventGridEvent } from './schema';

export class EventBus {
  private log: EventGridEvent[] = [];

  constructor(
    private readonly delivery: DeliveryService,
    private readonly maxLog = 2000,
  ) {}

  publish(event: EventGridEvent): void {
    this.log.push(event);
    if (this.log.length > this.maxLog) this.log.splice(0, this.log.length - this.maxLog);
    this.delivery.publish(event);
  }

  published(): EventGridEvent[] {
    return [...this.log];
  }

  clear(): void {
    this.log = [];
  }
}
