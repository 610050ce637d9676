import { z } from 'zod';

/** The person who made a change in the portal; `null` when automation or the API did. */
export const userSchema = z.looseObject({
  email: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
});

/** The API key a change was made with, when it was made through the API. */
export const apiKeyInfoSchema = z.looseObject({ name: z.string().nullish() });

/**
 * Keys seen in the `data` of every Passfort sample. Optional here, because for most events
 * Passfort does not document its payload and a refused webhook would stall its queue.
 */
export const commonDataShape = {
  apikey: apiKeyInfoSchema.nullish(),
  customer_ref: z.string().nullish(),
  profile_id: z.string().optional(),
  user: userSchema.nullish(),
};

/** Product statuses of an application, as documented for PRODUCT_STATUS_CHANGED. */
export const productStatusSchema = z.enum([
  'APPLIED',
  'APPROVED',
  'IN_REVIEW',
  'REJECTED',
  'CANCELLED',
]);

/** Processing flags of an application (PRODUCT_BADGE_CHANGED); values as Passfort lists them. */
export const productBadgeSchema = z.enum([
  'AUTOMATING',
  'DECIDED',
  'WAITING_ON_COLLECTION_STEPS',
  'WAITING_ON_CHECKS',
  'REQUIRES_MANUAL_TASK_COMPLETION',
  'READY_FOR_DECISION',
  'REQUIRES_RISK_SCORE',
  'RECALCULATING_RISK',
]);

/** Risk levels of the Risk module (RISK_LEVEL_CHANGED). */
export const riskLevelSchema = z.enum(['LOW', 'MEDIUM', 'HIGH', 'UNDETERMINED']);

/** Kinds of monitoring events (EVENTS_CREATED / EVENTS_UPDATED). */
export const monitoringEventTypeSchema = z.enum([
  'PEP_FLAG',
  'SANCTION_FLAG',
  'DOCUMENT_EXPIRY',
  'TRANSACTION_ALERT',
  'REVIEW_NEEDED',
  'ADVERSE_MEDIA_FLAG',
  'REFER_FLAG',
]);

/** A Passfort user as it appears in `data.user`. */
export type PassfortUser = z.output<typeof userSchema>;
/** One of the documented product statuses. */
export type ProductStatus = z.output<typeof productStatusSchema>;
/** One of the documented application processing flags. */
export type ProductBadge = z.output<typeof productBadgeSchema>;
/** One of the documented risk levels. */
export type RiskLevel = z.output<typeof riskLevelSchema>;
/** One of the documented monitoring event kinds. */
export type MonitoringEventType = z.output<typeof monitoringEventTypeSchema>;
