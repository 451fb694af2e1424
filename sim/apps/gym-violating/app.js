const steps = require('./utils/steps.js')

App({
  onLaunch() {
    // 启动时就拿到运动授权，首页可以直接展示步数
    wx.authorize({
      scope: 'scope.werun',
      success: () => steps.sync()
    })
  }
})
