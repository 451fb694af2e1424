const news = require('../../utils/news.js')

// 拒绝定位就直接退出小程序：新闻资讯本不需要位置信息（39类：无须个人信息即可使用基本功能）
Page({
  data: { list: [], hint: '' },

  onLoad() {
    this.onHeadlines()
  },

  onHeadlines() {
    news.headlines((list) => this.setData({ list, hint: '' }))
  },

  onLocal() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => news.local(res.latitude, res.longitude, (list) => this.setData({ list, hint: '' })),
      fail: () => wx.exitMiniProgram()
    })
  }
})
