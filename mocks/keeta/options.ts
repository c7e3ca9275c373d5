/**
 * Keeta's options: how long a merchant page's form can be submitted, and how many unsubmitted forms a
 * session keeps. Override them with `createKeetaPlugin({ formLifetimeSeconds: 60 })`.
 */
import { integerOptionsSchema } from '../../src/index.ts';

export interface KeetaOptions {
  /** How long a merchant page's form stays submittable, in seconds of the session clock. */
  formLifetimeSeconds: number;
  /** Pending (not yet submitted) forms kept per session; beyond it the oldest are forgotten. */
  maxPendingForms: number;
  /** Completed decisions a session's `authorizations` collection keeps; beyond it the oldest go. */
  maxAuthorizations: number;
}

export const DEFAULT_OPTIONS: KeetaOptions = {
  formLifetimeSeconds: 600,
  maxPendingForms: 200,
  maxAuthorizations: 200,
};

/** All at least 1: a form dead on arrival, or a session that keeps no form, could never be submitted. */
export const optionsSchema = integerOptionsSchema({ formLifetimeSeconds: 1, maxPendingForms: 1, maxAuthorizations: 1 });
