const BASE = 'https://api.renxin-clinic.example'

// 本地只记住预约号，不保存身份证号和手机号
function rememberBooking(bookingNo) {
  wx.setStorageSync('last_booking', bookingNo)
}

function create(patient, slot, done) {
  wx.request({
    url: BASE + '/api/booking/create',
    method: 'POST',
    data: { name: patient.name, idCard: patient.idCard, phone: patient.phone, slot },
    success: (res) => done(res.data),
    fail: () => done(null)
  })
}

module.exports = { rememberBooking, create }
