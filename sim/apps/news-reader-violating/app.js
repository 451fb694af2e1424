const analytics = require('./utils/analytics.js')

App({
  onLaunch(options) {
    // 统计 SDK：越早初始化，数据越全
    analytics.init({ appKey: 'kx-7f3c91d0', scene: options.scene })
  }
})
