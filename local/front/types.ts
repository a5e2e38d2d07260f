/** The front server's public shapes: its options, the local users it can sign in, and the Teams messages it keeps. */

/** A person the local sign-in page offers; stands in for an Entra ID account. */
export interface LocalUser {
  /** Short handle used by the sign-in form (`user=<name>`), e.g. `carol`. */
  name: string;
  /** Entra object id (`oid`): what `x-ms-client-principal-id` carries. */
  objectId: string;
  /** User principal name: what `x-ms-client-principal-name` and `preferred_username` carry. */
  upn: string;
  displayName?: string;
  /** Group object ids (or names) sent as `groups` claims. */
  groups?: string[];
  /** A word for the sign-in page, e.g. "may approve for the subscription"; not sent as a claim. */
  note?: string;
  /** App roles sent as `roles` claims. */
  roles?: string[];
}

export interface FrontOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: a local demo signs people in without a password, so it must not listen on the network. */
  hostname?: string;
  /** Base URL of the local Functions host, e.g. `http://127.0.0.1:7072`. */
  upstreamUrl: string;
  /** Where the Teams sink stores messages and the sign-in sessions are kept across restarts. */
  dataDir: string;
  users: LocalUser[];
  log?: (message: string) => void;
  /** Shown on the landing and channel pages. */
  title?: string;
  /**
   * Path prefixes for which an anonymous browser page load (GET/HEAD asking for HTML) is sent to the sign-in page
   * first, as Easy Auth does with "require authentication" + "redirect to login". Default: none (anonymous requests
   * are passed through and the product decides).
   */
  signInRequiredPaths?: string[];
}

/** What a Teams Workflows webhook accepts: a message whose attachments are Adaptive Cards. */
export interface WorkflowsMessage {
  type: 'message';
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl?: string | null; content: AdaptiveCardJson }[];
  [key: string]: unknown;
}

export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version?: string;
  body?: unknown[];
  actions?: unknown[];
  [key: string]: unknown;
}

/** One message the local Teams sink received, in arrival order (`seq` starts at 1). */
export interface TeamsMessage {
  seq: number;
  /** ISO 8601. */
  receivedAt: string;
  message: WorkflowsMessage;
}

export interface RunningFront {
  /** e.g. `http://127.0.0.1:7070` (no trailing slash). */
  url: string;
  close(): Promise<void>;
  /** The stored Teams messages, oldest first. */
  messages(): TeamsMessage[];
}
