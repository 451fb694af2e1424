const shareCode = require('../../utils/share-code.js')

Page({
  data: {
    goods: [
      { id: 11, name: '不粘锅 28cm', price: 89 },
      { id: 12, name: '乳胶枕 一对装', price: 129 },
      { id: 13, name: '保温杯 500ml', price: 59 }
    ],
    tip: ''
  },

  onPaste() {
    wx.getClipboardData({
      success: (res) => {
        if (!shareCode.open(res.data)) this.setData({ tip: '剪贴板里没有可识别的口令' })
      }
    })
  },

  onGoods(e) {
    wx.navigateTo({ url: '/pages/goods/goods?id=' + e.currentTarget.dataset.id })
  }
})
