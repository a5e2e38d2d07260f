/**
 * The policy file format (JSON or YAML). Every field is optional: what a file leaves out comes from the default
 * policy. Unknown fields are errors, so a typo never silently weakens a policy.
 */
import { z } from 'zod';
import { MODES, SEVERITIES, TIMEOUT_ACTIONS } from './types';

const severity = z.enum(SEVERITIES);
const mode = z.enum(MODES);
/** Case-insensitive protocol names; resolved to `Tcp`/`Udp`/... by the loader. */
const protocol = z.string().regex(/^(tcp|udp|icmp|esp|ah)$/i, 'must be one of Tcp, Udp, Icmp, Esp, Ah');
/** `"22"`, `"8000-8100"` or a number; checked for range by the loader. */
const port = z.union([z.string().min(1), z.number().int()]);

const sensitivePort = z
  .object({
    name: z.string().min(1),
    protocols: z.array(protocol).min(1).optional(),
    ports: z.array(port).min(1),
    severity,
  })
  .strict();

const allowedServiceTag = z
  .object({
    tag: z.string().min(1),
    protocols: z.array(protocol).min(1).optional(),
    ports: z.array(port).min(1).optional(),
  })
  .strict();

export const policyFileSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).optional(),
    network: z
      .object({
        allowedSourcePrefixes: z.array(z.string().min(1)).optional(),
        allowedServiceTags: z.array(allowedServiceTag).optional(),
        allowedApplicationSecurityGroups: z.array(z.string().min(1)).optional(),
        /** Replaces the default list. */
        sensitivePorts: z.array(sensitivePort).optional(),
        /** Added to the default (or given) list. */
        extraSensitivePorts: z.array(sensitivePort).optional(),
        severityBySourceClass: z
          .object({ internet: severity, public: severity, private: severity, serviceTag: severity, asg: severity })
          .partial()
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    modes: z.object({ critical: mode, high: mode, medium: mode, low: mode }).partial().strict().optional(),
    approval: z
      .object({
        timeout: z.string().min(1).optional(),
        onTimeout: z.enum(TIMEOUT_ACTIONS).optional(),
        /** Who may approve, per scope (subscription or resource group; applies below it too). */
        approvers: z
          .array(
            z
              .object({
                scope: z.string().regex(/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?(\/.*)?$/i, 'must be an ARM scope such as /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<name>'),
                groups: z.array(z.string().min(1)).optional(),
                roles: z.array(z.string().min(1)).optional(),
                users: z.array(z.string().min(1).refine((u) => !u.includes('@'), 'must be an object id or subject, not a name or email (names can change)')).optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .optional(),
    exemptions: z
      .array(
        z
          .object({
            resourceId: z.string().min(1),
            rule: z.string().min(1).optional(),
            /** What the exemption allows; exposure beyond it is not exempted (recommended: a name alone follows any edit). */
            ports: z.array(port).min(1).optional(),
            sources: z.array(z.string().min(1)).min(1).optional(),
            expires: z.iso.datetime({ offset: true }),
            reason: z.string().min(1),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type PolicyFile = z.input<typeof policyFileSchema>;
