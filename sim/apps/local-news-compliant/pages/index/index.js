const news = require('../../utils/news.js')

// 不给定位也能看新闻：只是看不到本地新闻，要闻照常浏览
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
      fail: () => this.setData({ hint: '未获得定位，先为你展示要闻' })
    })
  }
})
