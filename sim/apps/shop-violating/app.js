const shareCode = require('./utils/share-code.js')

App({
  // 每次回到小程序都检查剪贴板里有没有好友分享的口令
  onShow() {
    wx.getClipboardData({
      success: (res) => shareCode.open(res.data)
    })
  }
})
