// Sample page: check-in button that also yields a formId, a subscribe button, and the queue size.
var pushconsole = require('pushconsole-miniprogram-kit');

// Replace with your subscribe-message template ids (priTmplId from the console / MP backend).
var TEMPLATE_IDS = ['YOUR_TEMPLATE_ID_1', 'YOUR_TEMPLATE_ID_2'];

Page({
  data: {
    status: '',
    queued: 0
  },

  onShow: function () {
    this.refresh();
  },

  refresh: function () {
    var kit = pushconsole.getKit();
    this.setData({ queued: kit ? kit.uploader.size() : 0 });
  },

  // bind:tap of <formid-collector>: e.detail.formId is the id the component just queued
  onCheckin: function (e) {
    var page = this;
    var kit = pushconsole.getKit();
    page.refresh();
    kit.checkin().then(
      function () { page.setData({ status: '签到成功 Checked in' + (e.detail.queued ? ' (+1 formId)' : '') }); },
      function (err) { page.setData({ status: '签到失败 Check-in failed: ' + err.message }); }
    );
  },

  // Plain bindtap: wx.requestSubscribeMessage must be called right inside the tap handler.
  onSubscribe: function () {
    var page = this;
    pushconsole.getKit().subscribe(TEMPLATE_IDS).then(
      function (out) {
        if (!out.ok) {
          // e.g. 20004: the user switched subscription messages off in settings
          page.setData({ status: '订阅失败 Subscribe failed: ' + out.error.errCode + ' ' + out.error.errMsg });
          return;
        }
        var accepted = Object.keys(out.result).filter(function (k) { return out.result[k] === 'accept'; });
        page.setData({ status: '已订阅 Accepted ' + accepted.length + '/' + TEMPLATE_IDS.length + (out.reported ? '' : ' (not reported yet)') });
      },
      function (err) { page.setData({ status: err.message }); }
    );
  },

  // Any form-wrapped action yields a formId; flush now instead of waiting for batch/timer.
  onSendNow: function () {
    var page = this;
    pushconsole.getKit().uploader.flush().then(function (res) {
      page.setData({ status: '上传 Uploaded ' + res.sent + (res.error ? ', retry in ' + Math.round(res.retryInMs / 1000) + ' s' : '') });
      page.refresh();
    });
  }
});
