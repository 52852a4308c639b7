// The kit's demo App - and the snippet to merge into your own app.js.
// The kit needs three calls: init() once at launch, onShow() and onHide() from the App hooks.
var pushconsole = require('pushconsole-miniprogram-kit'); // from miniprogram_npm after "build npm"

App({
  onLaunch: function () {
    this.pushconsole = pushconsole.init({
      // Your PushConsole's public URL. Add its host to the mini program's request legal domains
      // (MP backend > Development > Server domains), or wx.request will refuse it.
      baseUrl: 'https://push.example.com',
      // Optional: defaults to wx.getAccountInfoSync().miniProgram.appId
      appId: wx.getAccountInfoSync().miniProgram.appId
      // batchSize: 10, flushIntervalMs: 30000, retry: { baseMs: 2000, maxMs: 300000 }
    });
  },

  // Coming to the foreground: ship what was queued (e.g. restored from storage).
  onShow: function () {
    this.pushconsole.onShow();
  },

  // Going to the background: persist and try to ship before the app is suspended.
  onHide: function () {
    this.pushconsole.onHide();
  }
});
