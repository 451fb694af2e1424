const booking = require('../../utils/booking.js')

Page({
  data: { name: '', idCard: '', phone: '', agreed: false, slot: '周三 上午 09:30 全科门诊', result: '' },

  onName(e) { this.setData({ name: e.detail.value }) },
  onIdCard(e) { this.setData({ idCard: e.detail.value }) },
  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onToggleAgree() { this.setData({ agreed: !this.data.agreed }) },

  onSubmit() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先同意就诊人信息授权书', icon: 'none' })
      return
    }
    const patient = { name: this.data.name, idCard: this.data.idCard, phone: this.data.phone }
    booking.create(patient, this.data.slot, (res) => {
      if (res) booking.rememberBooking(res.bookingNo)
      this.setData({ result: res ? '预约成功，预约号 ' + res.bookingNo : '预约失败，请稍后重试' })
    })
  }
})
