const api = require('../../utils/api.js')

Page({
  data: { id: '', applied: false },

  onLoad(query) {
    this.setData({ id: query.id })
  },

  // 投递简历需要联系方式：可以授权微信手机号，也可以手动填写
  onGetPhone(e) {
    if (!e.detail.code) return
    api.bindPhone(e.detail.code, (user) => this.setData({ applied: !!user }))
  }
})
