/**
 * What a Teams Workflows webhook ("Post to a channel when a webhook request is received") accepts: a `message` whose
 * attachments are Adaptive Cards. Anything else is refused with a reason that names the field, so a product bug shows
 * up here locally instead of as a silently empty channel in Teams. Pure.
 */
import type { WorkflowsMessage } from './types';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export type ValidationResult = { ok: true; message: WorkflowsMessage } | { ok: false; reason: string };

export function validateWorkflowsMessage(body: Buffer): ValidationResult {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return bad('the request body is not JSON');
  }
  if (!isObject(value)) return bad('the request body must be a JSON object like {"type":"message","attachments":[…]}');
  if (value.type !== 'message') return bad(`"type" must be "message" (got ${show(value.type)})`);
  const attachments = value.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0) return bad('"attachments" must be a non-empty array of Adaptive Card attachments');
  for (const [i, attachment] of attachments.entries()) {
    if (!isObject(attachment)) return bad(`attachments[${i}] must be an object`);
    if (attachment.contentType !== ADAPTIVE_CARD_CONTENT_TYPE) {
      return bad(`attachments[${i}].contentType must be "${ADAPTIVE_CARD_CONTENT_TYPE}" (got ${show(attachment.contentType)}); Workflows posts only Adaptive Cards`);
    }
    const content = attachment.content;
    if (!isObject(content)) return bad(`attachments[${i}].content must be the Adaptive Card object (got ${show(content)})`);
    if (content.type !== 'AdaptiveCard') return bad(`attachments[${i}].content.type must be "AdaptiveCard" (got ${show(content.type)})`);
    if (content.body !== undefined && !Array.isArray(content.body)) return bad(`attachments[${i}].content.body must be an array`);
    if (content.actions !== undefined && !Array.isArray(content.actions)) return bad(`attachments[${i}].content.actions must be an array`);
  }
  return { ok: true, message: value as WorkflowsMessage };
}

function bad(reason: string): ValidationResult {
  return { ok: false, reason };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
