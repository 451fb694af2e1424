const api = require('../../utils/api.js')
const analytics = require('../../utils/analytics.js')

Page({
  data: { list: [], askPrivacy: false },

  onLoad() {
    this.setData({ askPrivacy: !wx.getStorageSync('kx_privacy') })
    api.headlines((list) => this.setData({ list }))
  },

  onDecide(e) {
    wx.setStorageSync('kx_privacy', e.detail.agree ? 'agree' : 'refuse')
    this.setData({ askPrivacy: false })
  },

  onOpen(e) {
    const id = e.currentTarget.dataset.id
    analytics.track('open_article', { id })
    wx.navigateTo({ url: '/pages/article/article?id=' + id })
  }
})
