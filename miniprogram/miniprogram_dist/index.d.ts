// Type declarations of pushconsole-miniprogram-kit (index.js). They depend on nothing: the `wx`
// the kit uses is described structurally, so WeChat's own `wx` (miniprogram-api-typings), Taro's
// and uni-app's objects fit it.

/** The literal formId WeChat DevTools hands out; it can never be used to send a message. */
export declare const MOCK_FORM_ID: 'the formId is a mock one';
/** A formId or prepay_id can be used for 7 days (in ms) after it was produced. */
export declare const FORM_ID_TTL_MS: number;

// ------------------------------------------------------------------ wx, as far as the kit uses it

/** The parts of `wx` the kit calls. WeChat's `wx`, Taro's `Taro` and uni-app's `uni` fit. */
export interface WxLike {
  login(option: {
    success?: (res: { code: string }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): unknown;
  request(option: {
    url: string;
    method?: any;
    header?: Record<string, string>;
    data?: any;
    dataType?: any;
    timeout?: number;
    success?: (res: { statusCode: number; header: Record<string, any>; data: any }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): unknown;
  getStorageSync?(key: string): any;
  setStorageSync?(key: string, data: any): void;
  getAccountInfoSync?(): { miniProgram: { appId: string } };
  requestSubscribeMessage?(option: {
    tmplIds: string[];
    success?: (res: Record<string, string>) => void;
    fail?: (err: { errCode: number; errMsg: string }) => void;
  }): unknown;
}

// ------------------------------------------------------------------ HTTP

export interface TransportRequest {
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  /** A JSON string, or undefined. */
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON reply, or the raw text when it is not JSON. */
  data: unknown;
}

/** Sends one request; rejects only when no HTTP reply arrived (network failure, timeout). */
export type Transport = (url: string, request: TransportRequest) => Promise<TransportResponse>;

/** An Error from the kit; which fields are set depends on what went wrong. */
export interface KitError extends Error {
  /** HTTP status of the console's reply. */
  status?: number;
  /** The console's reply body (a problem+json object for errors). */
  data?: unknown;
  /** Delay the console asked for (Retry-After), in ms. */
  retryAfterMs?: number | null;
  /** true when no HTTP reply arrived (network failure, wx.login failure). */
  network?: boolean;
  /** 'PUSHCONSOLE_BAD_TEMPLATE_IDS' | 'PUSHCONSOLE_TOO_MANY_TEMPLATE_IDS' | 'PUSHCONSOLE_NO_SUBSCRIBE_API' */
  code?: string;
  cause?: unknown;
}

/** A 2xx reply of the console. */
export interface ConsoleReply<T = unknown> {
  status: number;
  data: T;
}

/** Transport over wx.request (the default inside a mini program). */
export declare function wxTransport(wx: WxLike, options?: { timeoutMs?: number }): Transport;
/** Transport over a WHATWG fetch (node >= 18, tools, tests). Default: the global fetch. */
export declare function fetchTransport(fetchImpl?: (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number;
  text(): Promise<string>;
  headers: { forEach(callback: (value: string, key: string) => void): void };
}>): Transport;

// ------------------------------------------------------------------ uploader

export interface RetryOptions {
  /** First backoff step in ms (default 2000). */
  baseMs?: number;
  /** Longest backoff in ms (default 300000). */
  maxMs?: number;
  /** Attempts of subscribe/checkin/track requests before they reject (default 3). */
  requestAttempts?: number;
}

export interface RejectedId {
  formId: string;
  /** The console's reason ('expired', 'mock', ...) or 'http_400' / 'http_413' for an id the console refused alone. */
  reason: string;
}

export type CredentialKind = 'form' | 'prepay';

export interface UploaderOptions {
  /** The console's URL; a trailing '/' is fine. */
  baseUrl: string;
  /** The mini program's AppID. Default: wx.getAccountInfoSync().miniProgram.appId. */
  appId?: string;
  /** Default: the global wx. */
  wx?: WxLike;
  /** Queue length that triggers a flush (default 10). */
  batchSize?: number;
  /** Timer flush interval in ms; 0 turns it off (default 30000). */
  flushIntervalMs?: number;
  /** Ids per request (default and cap 100). */
  maxBatch?: number;
  retry?: RetryOptions;
  /** Ids expiring sooner than this (ms) are not sent (default 600000). */
  safetyMarginMs?: number;
  /** Most ids kept; the one closest to expiry is evicted (default 1000). */
  maxQueue?: number;
  /** Storage key of the queue (default 'pushconsole:{appId}'); the session uses '{storageKey}:session'. */
  storageKey?: string;
  /** Default: wxTransport(wx). */
  transport?: Transport;
  /** Ids the console rejected; they have left the queue. */
  onRejected?: (rejected: RejectedId[]) => void;
  /** Storage failures ('storage') and failed uploads ('formids'); the kit keeps going. */
  onError?: (error: KitError, where: 'storage' | 'formids') => void;
  /** Clock, timers and randomness, injectable for tests. */
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => any;
  clearTimeout?: (id: any) => void;
  random?: () => number;
}

export interface AddOptions {
  kind?: CredentialKind;
  /** When the form was submitted (ms); the id expires 7 days later. Default: now. */
  submittedAt?: number;
  /** Explicit expiry (unix ms); wins over submittedAt. */
  expire?: number;
}

export interface PrepayOptions {
  /** When the payment succeeded (ms); the prepay_id expires 7 days later. Default: now. */
  paidAt?: number;
  submittedAt?: number;
  expire?: number;
}

export type DropReason = 'mock' | 'empty' | 'invalid' | 'expired' | 'duplicate' | 'destroyed';
export type AddResult = { queued: true } | { queued: false; reason: DropReason };

export interface QueuedId {
  formId: string;
  kind: CredentialKind;
  /** Unix ms. */
  expire: number;
}

export interface FlushResult {
  requests: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: RejectedId[];
  /** Ids dropped because they expired before they could be sent. */
  expired: string[];
  /** Why the flush stopped; the ids stay queued and a retry is armed. */
  error: KitError | null;
  retryInMs: number | null;
  /** Set when the flush did not send at all. */
  skipped: 'backoff' | 'destroyed' | null;
}

export interface UploaderStats {
  logins: number;
  requests: number;
  dropped: { mock: number; expired: number; duplicate: number; invalid: number; evicted: number };
}

export interface Uploader {
  readonly appId: string;
  readonly baseUrl: string;
  /** Queue a formId (or a prepay_id with kind 'prepay'). */
  add(formId: string, options?: AddOptions): AddResult;
  /** Queue a prepay_id once the payment has succeeded. */
  addPrepayId(prepayId: string, options?: PrepayOptions): AddResult;
  /** Send everything queued; one flush runs at a time. */
  flush(): Promise<FlushResult>;
  /** Call from App.onShow. */
  onShow(): Promise<FlushResult>;
  /** Call from App.onHide. */
  onHide(): Promise<FlushResult>;
  /** Log in now (wx.login, then the console); resolves the session token. */
  login(): Promise<string>;
  /** Authenticated JSON POST to /api/miniprogram/{appId}{path}, retried like subscribe/checkin. */
  request<T = unknown>(path: string, body: unknown, options?: { attempts?: number }): Promise<ConsoleReply<T>>;
  /** Stop the timers; the queue stays in storage. */
  destroy(): void;
  size(): number;
  peek(): QueuedId[];
  stats(): UploaderStats;
  isFlushing(): boolean;
  /** Unix ms before which no flush sends (backoff, Retry-After). */
  backoffUntil(): number;
}

export declare function createUploader(options: UploaderOptions): Uploader;

// ------------------------------------------------------------------ subscribe messages

/** What the user chose for one template: 'accept', 'reject', 'ban', 'filter', ... */
export type SubscribeChoice = 'accept' | 'reject' | 'ban' | 'filter' | (string & {});

export interface SubscriptionsReply {
  granted: string[];
  rejected: { templateId: string; reason: string }[];
}

export type SubscribeOutcome =
  | { ok: true; result: Record<string, SubscribeChoice>; reported: true; reply: SubscriptionsReply }
  | { ok: true; result: Record<string, SubscribeChoice>; reported: false; reportError: KitError }
  | { ok: false; error: { errCode: number; errMsg: string } };

export interface SubscriberOptions {
  uploader: Uploader;
  wx?: WxLike;
  /** Template ids per call (default 3). */
  maxPerCall?: number;
}

export interface Subscriber {
  /** Call directly in a tap handler. Rejects (KitError.code) for bad or too many ids. */
  subscribe(tmplIds: string[]): Promise<SubscribeOutcome>;
  readonly maxPerCall: number;
}

export declare function createSubscriber(options: SubscriberOptions): Subscriber;
/** Groups of at most `size` (default 3) template ids, to ask for on separate taps. */
export declare function splitTemplateIds(tmplIds: string[], size?: number): string[][];

// ------------------------------------------------------------------ activity

export interface EventReply {
  type: string;
  recorded: boolean;
}

export interface Activity {
  checkin(): Promise<ConsoleReply<EventReply>>;
  track(type: string): Promise<ConsoleReply<EventReply>>;
}

export declare function createActivity(options: { uploader: Uploader }): Activity;

// ------------------------------------------------------------------ init

export interface InitOptions extends UploaderOptions {
  /** Template ids per subscribe() call (default 3). */
  maxPerCall?: number;
}

export interface Kit {
  uploader: Uploader;
  subscribe(tmplIds: string[]): Promise<SubscribeOutcome>;
  checkin(): Promise<ConsoleReply<EventReply>>;
  track(type: string): Promise<ConsoleReply<EventReply>>;
  addPrepayId(prepayId: string, options?: PrepayOptions): AddResult;
  onShow(): Promise<FlushResult>;
  onHide(): Promise<FlushResult>;
}

/** Create the kit (stopping the previous one) and register it for the formid-collector component. */
export declare function init(options: InitOptions): Kit;
/** The kit init() created, or null before init(). */
export declare function getKit(): Kit | null;

/** `e.detail` of the formid-collector's `tap` event. */
export interface FormIdTapDetail {
  /** The id this tap produced ('' if WeChat gave none). */
  formId: string;
  /** Whether the uploader kept it. */
  queued: boolean;
}
