// What README snippets may use without declaring it: the receiver they are about, and the
// app's own objects (its database, its services, its logger), which are the reader's code, not
// ours, and so are typed `any`. A snippet that declares one of these names itself (e.g.
// `const webhooks = createPassfortWebhooks(...)`) shadows it: each snippet is its own module.
declare const webhooks: import('@passfort-webhooks/core').PassfortWebhooks;
declare const secret: string;
// biome-ignore lint/suspicious/noExplicitAny: the app's own code
type AppCode = any;
declare const db: AppCode;
declare const checks: AppCode;
declare const log: AppCode;
declare const riskQueue: AppCode;
declare const updateStatus: AppCode;
declare const onCheck: AppCode;
declare const notifyAnalyst: AppCode;
// An adapter or store of the reader's own, in the kits' snippets.
declare const myAdapter: AppCode;
declare const myStore: AppCode;
declare const connection: AppCode;
declare const connect: AppCode;
// Names the core README's replay, client-settings and two-way sync snippets take as given.
declare const refreshFromPassfort: AppCode;
declare const saveStatus: AppCode;
declare const id: string;
declare const url: string;
declare const connectionString: string;
declare const profileId: string;
declare const saved: AppCode;
declare const edited: AppCode;
declare const newEmail: string;
