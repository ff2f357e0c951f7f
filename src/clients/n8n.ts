import type { Dispatcher } from 'undici'
import { requestJson, type OnCall, type RetryPolicy, type Sleep } from './http.js'

export type N8nWorkflow = 'lead_qualified' | 'handoff' | 'lead_disqualified' | 'meeting_requested' | 'handoff_unanswered' | 'data_erased'

/**
 * Version of the body POSTed to n8n. Bump it when a field changes meaning or goes away.
 *
 * Body (JSON), version 1:
 * ```
 * {
 *   ...payload,              // what the caller passes, e.g. account_id, conversation_id, contact_id,
 *                            // qualification fields, score, language, handoff reason (may hold PII: n8n is trusted,
 *                            // but this body is never logged)
 *   workflow,                // 'lead_qualified' | 'handoff' | 'lead_disqualified' | 'meeting_requested'
 *   idempotency_key,         // same value as the Idempotency-Key header; stable across our retries
 *   payload_version: 1
 * }
 * ```
 * Headers: `Idempotency-Key`, `X-N8N-API-KEY` when an API key is configured. A trigger that
 * timed out may have run: flows should drop a repeated idempotency key.
 */
export const N8N_PAYLOAD_VERSION = 1

/** Triggers n8n workflows through their webhook nodes. */
export interface N8nClient {
  /**
   * POSTs the payload to the workflow's webhook; `not_configured` (no call) when that webhook
   * is unset. Throws `UpstreamError` once retries are spent.
   */
  trigger (workflow: N8nWorkflow, payload: Record<string, unknown>, idempotencyKey: string): Promise<'sent' | 'not_configured'>
}

export interface N8nClientOptions {
  baseUrl?: string | undefined
  apiKey?: string | undefined
  /** A full http(s) URL, or a path joined to `baseUrl`. */
  webhooks: {
    leadQualified?: string | undefined
    handoff?: string | undefined
    leadDisqualified?: string | undefined
    meetingRequested?: string | undefined
    handoffUnanswered?: string | undefined
    dataErased?: string | undefined
  }
  timeoutMs: number
  retry: RetryPolicy
  onCall?: OnCall | undefined
  sleep?: Sleep | undefined
  dispatcher?: Dispatcher | undefined
  random?: (() => number) | undefined
}

const SETTING: Record<N8nWorkflow, keyof N8nClientOptions['webhooks']> = {
  lead_qualified: 'leadQualified',
  handoff: 'handoff',
  lead_disqualified: 'leadDisqualified',
  meeting_requested: 'meetingRequested',
  handoff_unanswered: 'handoffUnanswered',
  data_erased: 'dataErased',
}

/** The webhook URL for a setting, or undefined when it cannot be called. */
export function resolveWebhookUrl (setting: string | undefined, baseUrl: string | undefined): string | undefined {
  const value = setting?.trim()
  if (value === undefined || value === '') return undefined
  if (/^https?:\/\//i.test(value)) return value
  if (baseUrl === undefined || baseUrl.trim() === '') return undefined
  return `${baseUrl.trim().replace(/\/+$/, '')}/${value.replace(/^\/+/, '')}`
}

export function createN8nClient (options: N8nClientOptions): N8nClient {
  const urls = new Map<N8nWorkflow, string>()
  for (const [workflow, key] of Object.entries(SETTING) as Array<[N8nWorkflow, keyof N8nClientOptions['webhooks']]>) {
    const url = resolveWebhookUrl(options.webhooks[key], options.baseUrl)
    if (url !== undefined) urls.set(workflow, url)
  }

  return {
    async trigger (workflow, payload, idempotencyKey) {
      const url = urls.get(workflow)
      if (url === undefined) return 'not_configured'
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }
      if (options.apiKey !== undefined && options.apiKey !== '') headers['x-n8n-api-key'] = options.apiKey
      // The answer is whatever the flow's Respond node sends: drained, never read.
      await requestJson({
        target: 'n8n',
        operation: workflow,
        method: 'POST',
        url,
        pathTemplate: `webhook:${workflow}`,
        headers,
        body: { ...payload, workflow, idempotency_key: idempotencyKey, payload_version: N8N_PAYLOAD_VERSION },
        timeoutMs: options.timeoutMs,
        retry: options.retry,
        sleep: options.sleep,
        onCall: options.onCall,
        dispatcher: options.dispatcher,
        random: options.random,
      })
      return 'sent'
    },
  }
}
