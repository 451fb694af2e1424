const api = require('../../utils/api.js')

Page({
  data: { showPrivacy: false, rooms: [], tip: '' },

  onLoad() {
    this.setData({ showPrivacy: !wx.getStorageSync('jx_privacy_agreed') })
  },

  // 自己的隐私弹窗：记下用户已同意
  onAgree() {
    wx.setStorageSync('jx_privacy_agreed', true)
    this.setData({ showPrivacy: false })
  },

  onRefuse() {
    this.setData({ showPrivacy: false })
  },

  onNearby() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => api.rooms(res.latitude, res.longitude, (rooms) => this.setData({ rooms })),
      fail: (err) => this.setData({ tip: '定位失败：' + err.errMsg })
    })
  },

  // 学生认证：拍学生证享受学生价
  onStudentCard() {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      success: (res) => api.uploadStudentCard(res.tempFiles[0].tempFilePath, (ok) => this.setData({ tip: ok ? '已提交认证' : '上传失败' })),
      fail: (err) => this.setData({ tip: '无法选择图片：' + err.errMsg })
    })
  }
})
