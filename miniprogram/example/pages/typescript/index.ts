// The sample page in TypeScript: the same calls as pages/sample, typed by the kit's index.d.ts and
// miniprogram-api-typings. DevTools compiles it with setting.useCompilerPlugins ["typescript"].
import { getKit, splitTemplateIds, type FormIdTapDetail, type Kit, type SubscribeOutcome } from 'pushconsole-miniprogram-kit';

const TEMPLATE_IDS: string[] = ['YOUR_TEMPLATE_ID_1', 'YOUR_TEMPLATE_ID_2', 'YOUR_TEMPLATE_ID_3', 'YOUR_TEMPLATE_ID_4'];

function kit(): Kit {
  const k = getKit();
  if (!k) throw new Error('pushconsole.init() runs in app.js onLaunch');
  return k;
}

function describe(out: SubscribeOutcome, asked: number): string {
  if (!out.ok) return `订阅失败 Subscribe failed: ${out.error.errCode} ${out.error.errMsg}`;
  const accepted = Object.keys(out.result).filter((id) => out.result[id] === 'accept').length;
  return `已订阅 Accepted ${accepted}/${asked}` + (out.reported ? ` (${out.reply.granted.length} granted)` : ` (not reported: ${out.reportError.message})`);
}

Page({
  data: {
    status: '',
    queued: 0,
    // more than one popup allows: ask for each group on its own tap
    groups: splitTemplateIds(TEMPLATE_IDS),
    nextGroup: 0
  },

  onShow() {
    this.setData({ queued: kit().uploader.size() });
  },

  // bind:tap of <formid-collector>
  onCheckin(e: WechatMiniprogram.CustomEvent<FormIdTapDetail>) {
    const { formId, queued } = e.detail;
    this.setData({ queued: kit().uploader.size() });
    kit().checkin().then(
      (reply) => this.setData({ status: `签到成功 Checked in (${reply.data.type})` + (queued ? ` +1 formId ${formId.slice(0, 6)}…` : '') }),
      (err: Error) => this.setData({ status: `签到失败 Check-in failed: ${err.message}` })
    );
  },

  // plain bindtap: the popup must be opened straight from the tap handler
  onSubscribe() {
    const group = this.data.groups[this.data.nextGroup % this.data.groups.length];
    this.setData({ nextGroup: this.data.nextGroup + 1 });
    kit().subscribe(group).then(
      (out) => this.setData({ status: describe(out, group.length) }),
      (err: Error) => this.setData({ status: err.message })
    );
  },

  onSendNow() {
    kit().uploader.flush().then((res) => {
      const retry = res.error && res.retryInMs != null ? `, retry in ${Math.round(res.retryInMs / 1000)} s` : '';
      this.setData({ status: `上传 Uploaded ${res.sent}${retry}`, queued: kit().uploader.size() });
    });
  },

  // after wx.requestPayment succeeded
  onPaid(prepayId: string) {
    const added = kit().addPrepayId(prepayId, { paidAt: Date.now() });
    if (!added.queued) this.setData({ status: `prepay_id not kept: ${added.reason}` });
  }
});
