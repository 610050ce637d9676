/**
 * The BullMQ queue (Redis, durable) for `delivery: 'queue'`. Node-only.
 * @module
 */
export { type BullmqQueueOptions, bullmqQueue } from './bullmq-queue.js';
