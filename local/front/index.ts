/**
 * The front server of `npm start`: App Service Authentication emulation, a reverse proxy to the local Functions host
 * and a local Teams Workflows sink with a channel page. See server.ts.
 */
export { DEFAULT_TITLE, startFrontServer } from './server';
export { LOGIN_PATH, safeRedirectPath } from './auth';
export { cardToHtml } from './cardHtml';
export { markdownToHtml } from './cardMarkdown';
export { authMeDocument, claimsOf, isIdentityHeader, principalHeaders } from './principal';
export { SESSION_COOKIE, SESSIONS_FILE } from './sessions';
export { TEAMS_BASE, WEBHOOK_PATH } from './teamsRoutes';
export { TEAMS_MESSAGES_FILE } from './teamsStore';
export { validateWorkflowsMessage, ADAPTIVE_CARD_CONTENT_TYPE } from './teamsValidate';
export type { AdaptiveCardJson, FrontOptions, LocalUser, RunningFront, TeamsMessage, WorkflowsMessage } from './types';
