import { z } from 'zod';
import { type OpenEnum, openEnum } from './open-enum.js';

/** The person who made a change in the portal; `null` when automation or the API did. */
export const userSchema = z.looseObject({
  email: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
});

/**
 * The API key a change was made with, when it was made through the API. Its `expiry` is
 * in Passfort's sample without a documented type, so any JSON value is accepted.
 */
export const apiKeyInfoSchema = z.looseObject({
  name: z.string().nullish(),
  expiry: z.unknown().optional(),
});

/**
 * Keys seen in the `data` of Passfort's samples. Every one is optional: a CHECK_COMPLETED
 * seen in a public consumer's code carries neither `apikey` nor `user`, and for most events
 * Passfort documents no payload at all. A refused webhook would stall Passfort's queue.
 */
export const commonDataShape = {
  apikey: apiKeyInfoSchema.nullish(),
  customer_ref: z.string().nullish(),
  profile_id: z.string().optional(),
  user: userSchema.nullish(),
};

/** A product, a check variant or a task variant: `{ alias, id, name }`. */
export const variantSchema = z.looseObject({
  alias: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
});

/** Product statuses of an application (PRODUCT_STATUS_CHANGED). */
export const productStatusSchema = openEnum([
  'APPLIED',
  'APPROVED',
  'IN_REVIEW',
  'REJECTED',
  'CANCELLED',
]);

/**
 * Processing flags of an application (PRODUCT_BADGE_CHANGED), as the API 4.0 spec lists
 * them; the 2019 spec had eight, so the list grows.
 */
export const productBadgeSchema = openEnum([
  'AUTOMATING',
  'DECIDED',
  'WAITING_ON_COLLECTION_STEPS',
  'WAITING_ON_CHECKS',
  'REQUIRES_MANUAL_TASK_COMPLETION',
  'READY_FOR_DECISION',
  'REQUIRES_DATA',
  'REQUIRES_RISK_SCORE',
  'RECALCULATING_RISK',
  'NEARING_EXPIRY',
  'WAITING_ON_ESCALATION',
]);

/** Risk levels of the Risk module, and risk categories. */
export const riskLevelSchema = openEnum(['LOW', 'MEDIUM', 'HIGH', 'UNDETERMINED']);

/** Kinds of monitoring events (EVENTS_CREATED / EVENTS_UPDATED), as the newer spec lists them. */
export const monitoringEventTypeSchema = openEnum([
  'PEP_FLAG',
  'SANCTION_FLAG',
  'DOCUMENT_EXPIRY',
  'TRANSACTION_ALERT',
  'REVIEW_NEEDED',
  'ADVERSE_MEDIA_FLAG',
  'REFER_FLAG',
  'CHECK_EXPIRY',
  'FRAUD_FLAG',
]);

/** A check's decision (CHECK_COMPLETED). */
export const checkDecisionSchema = openEnum(['PASS', 'FAIL', 'PARTIAL', 'WARN', 'ERROR']);

/** Some of the 21 check types of API 4.0; any other is accepted. */
export const checkTypeSchema = openEnum(
  ['IDENTITY_CHECK', 'DOCUMENT_VERIFICATION', 'PEPS_AND_SANCTIONS_SCREEN'],
  // Partial: the other 18 documented types are no drift.
  { complete: false },
);

/** A task's state: incomplete, or completed with a pass or a fail. */
export const taskStateSchema = openEnum(['INCOMPLETE', 'COMPLETED_PASS', 'COMPLETED_FAIL']);

/** A task as the API shows it: `{ id, state, type, variant }`. */
export const taskSchema = z.looseObject({
  id: z.string().nullish(),
  state: taskStateSchema.nullish(),
  type: z.string().nullish(),
  variant: variantSchema.nullish(),
});

/** A Passfort user as it appears in `data.user`. */
export type PassfortUser = z.output<typeof userSchema>;
/** A product status: the documented ones, or one Passfort added since. */
export type ProductStatus = OpenEnum<typeof productStatusSchema>;
/** An application processing flag: the documented ones, or one Passfort added since. */
export type ProductBadge = OpenEnum<typeof productBadgeSchema>;
/** A risk level: the documented ones, or one Passfort added since. */
export type RiskLevel = OpenEnum<typeof riskLevelSchema>;
/** A monitoring event kind: the documented ones, or one Passfort added since. */
export type MonitoringEventType = OpenEnum<typeof monitoringEventTypeSchema>;
/** A check decision: the documented ones, or one Passfort added since. */
export type CheckDecision = OpenEnum<typeof checkDecisionSchema>;
/** A check type: some documented ones, or any other. */
export type CheckType = OpenEnum<typeof checkTypeSchema>;
/** A task state: the documented ones, or one Passfort added since. */
export type TaskState = OpenEnum<typeof taskStateSchema>;
