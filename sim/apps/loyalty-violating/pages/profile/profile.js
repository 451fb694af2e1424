const member = require('../../utils/member.js')

Page({
  data: { member: {}, name: '', address: '', result: '' },

  onLoad() {
    const found = getApp().globalData.member || {}
    this.setData({ member: found, name: found.name || '', address: found.address || '' })
  },

  onName(e) { this.setData({ name: e.detail.value }) },
  onAddress(e) { this.setData({ address: e.detail.value }) },

  onSave() {
    const profile = { phone: this.data.member.phone, name: this.data.name, address: this.data.address }
    member.saveProfile(profile, (ok) => this.setData({ result: ok ? '已保存' : '保存失败，请稍后重试' }))
  },

  onDelete() {
    wx.showModal({
      title: '注销账号',
      content: '注销后，账号及资料将被永久删除且无法恢复。',
      confirmText: '确认注销',
      success: (res) => {
        if (!res.confirm) return
        member.deleteAccount(this.data.member.phone, (ok) => {
          if (!ok) {
            wx.showToast({ title: '注销失败，请稍后重试', icon: 'none' })
            return
          }
          getApp().globalData.member = null
          wx.showToast({ title: '注销成功' })
          wx.reLaunch({ url: '/pages/login/login' })
        })
      }
    })
  }
})
