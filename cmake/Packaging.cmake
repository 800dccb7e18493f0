# Installing GradLab and packaging it as a .deb: `cmake --build build && cd build && cpack`.
# The programs go to bin/, the example networks to share/gradlab/networks (the programs look
# there relative to their own location, see app/resource_directory.h), the desktop entry, the
# icon and the MIME types of .gradlab and .net files to their freedesktop places. The shaders are
# compiled to SPIR-V into the programs (cmake/Shaders.cmake): there are no shader files to find.
include(GNUInstallDirs)

# `cpack` installs what is built; it does not build everything first (a build tree shared by
# several people builds only the targets each asks for).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(GRADLAB_PROGRAMS gradlab-cli gradlab-bench)
if(GRADLAB_BUILD_UI)
  list(APPEND GRADLAB_PROGRAMS gradlab)
endif()
install(TARGETS ${GRADLAB_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/networks DESTINATION ${CMAKE_INSTALL_DATADIR}/gradlab
        FILES_MATCHING PATTERN "*.net")
install(FILES ${PROJECT_SOURCE_DIR}/resources/desktop/gradlab.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/desktop/gradlab-mime.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages RENAME gradlab.xml)
install(FILES ${PROJECT_SOURCE_DIR}/resources/desktop/gradlab.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gradlab)
set(CPACK_PACKAGE_VENDOR "GradLab")
set(CPACK_PACKAGE_CONTACT "GradLab developers <gradlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # gradlab_VERSION_ARCH.deb
set(CPACK_STRIP_FILES ON)                # the programs without their symbol tables
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# The libraries the programs link, found by dpkg-shlibdeps; the Vulkan device is a driver the
# loader opens at run time, so it is named here (lavapipe, or any GPU's driver instead).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "mesa-vulkan-drivers | vulkan-icd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch, python3-onnx, dataset-fashion-mnist")
include(CPack)
