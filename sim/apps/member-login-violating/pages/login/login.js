const auth = require('../../utils/auth.js')

Page({
  onLogin() {
    auth.login().then((member) => {
      getApp().globalData.member = member
      wx.redirectTo({ url: '/pages/home/home' })
    }, () => wx.showToast({ title: '登录失败', icon: 'none' }))
  }
})
