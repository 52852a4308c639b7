// Drives the simulator with a third-party WeChat SDK (co-wechat-api, node-webot) instead of our own client, to check
// that the simulator answers what real clients expect: token, template list, template send (ok and 43004), follower
// paging with next_openid, mini program template send with a formId (ok, then 41029 on reuse), and the SDK's own
// recovery from an invalidated token (40001 → it fetches a new one and retries).
// Run by scripts/sdk-compat.sh; SIM is the simulator's base URL.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(process.env.SDK_DIR + '/');
const WechatAPI = require('co-wechat-api');
const sim = process.env.SIM.replace(/\/$/, '');
const control = async (method, path, body) => {
  const r = await fetch(`${sim}/control/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const client = (appid, secret) => {
  const api = new WechatAPI(appid, secret);
  api.prefix = `${sim}/cgi-bin/`;
  return api;
};
const errcode = async (promise) => { try { await promise; return 0; } catch (e) { return e.code; } };
const check = async (name, body) => { await body(); console.log(`ok - ${name}`); };

await control('POST', 'apps', { appid: 'wxsdkofficial01', secret: 'sdk0official0secret0000000000001', kind: 'officialaccount' });
await control('POST', 'apps', { appid: 'wxsdkminiprog01', secret: 'sdk0mini0program0secret000000001', kind: 'miniprogram' });
const official = await control('POST', 'apps/wxsdkofficial01/templates', { template_id: 'SDKLIVE', title: '直播提醒', content: '直播间:{{thing1.DATA}}\n开播时间:{{time2.DATA}}\n' });
await control('POST', 'apps/wxsdkminiprog01/templates', { template_id: 'SDKLEGACY', title: '签到提醒', kind: 'legacy', content: '活动:{{keyword1.DATA}}\n' });
await control('POST', 'apps/wxsdkofficial01/followers/generate', { count: 25000 });
const oa = client('wxsdkofficial01', 'sdk0official0secret0000000000001');
const mp = client('wxsdkminiprog01', 'sdk0mini0program0secret000000001');

await check('the SDK fetches an access token', async () => {
  const token = await oa.getAccessToken();
  assert.ok(token.accessToken.length > 20);
});
await check('the template list has the template with its content', async () => {
  const list = await oa.getAllPrivateTemplate();
  assert.equal(list.template_list.find(t => t.template_id === official.template_id)?.title, '直播提醒');
});
let followers = [];
await check('followers page 10,000 at a time with next_openid to the end', async () => {
  let next = '';
  const pages = [];
  for (;;) {
    const page = await oa.getFollowers(next);
    pages.push(page.count);
    if (page.count === 0) break;
    followers.push(...page.data.openid);
    next = page.next_openid;
  }
  assert.deepEqual(pages.slice(0, 3), [10000, 10000, 5000]);
  assert.equal(new Set(followers).size, 25000);
});
await check('a template message to a follower gets a msgid, to an unfollowed user 43004', async () => {
  const data = { thing1: { value: 'SDK live' }, time2: { value: '2026-11-22 20:00' } };
  const sent = await oa.sendTemplate(followers[0], official.template_id, 'https://example.com', '#173177', data);
  assert.equal(sent.errcode, 0);
  assert.ok(sent.msgid > 0);
  await control('DELETE', `apps/wxsdkofficial01/followers/${followers[1]}`);
  assert.equal(await errcode(oa.sendTemplate(followers[1], official.template_id, 'https://example.com', '#173177', data)), 43004);
  assert.equal((await control('GET', `inbox/wxsdkofficial01/${followers[0]}`)).count, 1);
});
await check('a formId sends one mini program template message and is refused with 41029 when reused', async () => {
  const { form_ids: [formId] } = await control('POST', 'apps/wxsdkminiprog01/formids', { openid: 'oSdkUser1', count: 1 });
  const data = { keyword1: { value: '每日签到' } };
  assert.equal((await mp.sendMiniProgramTemplate('oSdkUser1', 'SDKLEGACY', 'pages/index', formId, data)).errcode, 0);
  assert.equal(await errcode(mp.sendMiniProgramTemplate('oSdkUser1', 'SDKLEGACY', 'pages/index', formId, data)), 41029);
});
await check('a token superseded by another client is refused with 40001 and the SDK recovers with one refresh', async () => {
  const before = (await control('GET', 'counters')).wxsdkofficial01.token.issued;
  const r = await fetch(`${sim}/cgi-bin/token?grant_type=client_credential&appid=wxsdkofficial01&secret=sdk0official0secret0000000000001`);
  assert.ok((await r.json()).access_token);
  await control('POST', 'clock/advance', { seconds: 400 }); // past the 5-minute grace of the superseded token
  const data = { thing1: { value: 'SDK live' }, time2: { value: '2026-11-22 20:00' } };
  assert.equal((await oa.sendTemplate(followers[2], official.template_id, '', '', data)).errcode, 0);
  assert.equal((await control('GET', 'counters')).wxsdkofficial01.token.issued, before + 2);
});
console.log('co-wechat-api against the simulator: all checks passed');
