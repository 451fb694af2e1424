const analytics = require('./utils/analytics.js')

App({
  onLaunch() {
    // 统计只在用户同意隐私政策之后开始（见首页 onDecide）
    if (wx.getStorageSync('kx_privacy') === 'agree') analytics.init({ appKey: 'kx-7f3c91d0' })
  }
})
