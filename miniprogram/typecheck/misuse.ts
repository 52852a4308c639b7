// Compiled with the TypeScript sample by test/package.test.js (this file stays out of test/, so no
// test runner picks it up). Each @ts-expect-error must meet an error, so the check fails if the
// declarations stop catching these mistakes (e.g. if they degrade to `any`). Every line below is a
// real misuse of the kit.
import { init, createUploader, createActivity, createSubscriber, splitTemplateIds, wxTransport, type Kit } from 'pushconsole-miniprogram-kit';

// the real wx from miniprogram-api-typings fits the kit's options
const kit: Kit = init({ baseUrl: 'https://push.example.com', appId: 'wx1234567890abcdef', wx, batchSize: 10, retry: { baseMs: 1000 } });
const transport = wxTransport(wx, { timeoutMs: 5000 });
createUploader({ baseUrl: 'https://push.example.com', transport, onError: (err, where) => console.warn(where, err.status) });

// @ts-expect-error baseUrl is required
init({ appId: 'wx1234567890abcdef' });
// @ts-expect-error batchSize is a number
init({ baseUrl: 'https://push.example.com', batchSize: '10' });
// @ts-expect-error an unknown option is a typo
init({ baseUrl: 'https://push.example.com', flushInterval: 1000 });
// @ts-expect-error template ids are strings
kit.subscribe([1, 2]);
// @ts-expect-error the kind is 'form' or 'prepay'
kit.uploader.add('f00000000000000000000000000000aa', { kind: 'payment' });
// @ts-expect-error track needs an event type
kit.track();
// @ts-expect-error createActivity needs the uploader
createActivity({});
// @ts-expect-error createSubscriber needs the uploader
createSubscriber({ wx });
// @ts-expect-error the group size is a number
splitTemplateIds(['a'], '3');

kit.subscribe(['a']).then((out) => {
  // @ts-expect-error result exists only when the popup was answered (out.ok)
  out.result;
  if (out.ok && !out.reported) {
    // @ts-expect-error reply exists only when the report went through
    out.reply;
  }
});
kit.uploader.flush().then((res) => {
  // @ts-expect-error sent is a count
  const ids: string[] = res.sent;
  return ids;
});
